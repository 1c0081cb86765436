import type { Queryable } from '../db/pool.ts';
import { instanceRecords } from '../sla/board.ts';
import { runsBefore } from '../sla/instance-sql.ts';
import { resolveServiceJobs } from '../sla/lineage.ts';
import { pastInstances } from '../sla/past-instances.ts';
import { listServices } from '../sla/sql.ts';
import type { StoredFailure } from './backtest-sql.ts';

const DAY = 86_400_000;
const key = (runId: number, attempt: number) => `${runId}:${attempt}`;

/** How the attempt after each failed one ended, by `run:attempt` of the failed one; absent when none came. */
export async function nextAttempts(db: Queryable, failures: readonly StoredFailure[]): Promise<Map<string, string>> {
  if (failures.length === 0) return new Map();
  const r = await db.query<{ run_id: string; attempt: number; state: string }>(
    `select a.run_id, a.attempt - 1 as attempt, a.state
     from unnest($1::bigint[], $2::int[]) as u(run_id, attempt)
     join run_attempts a on a.run_id = u.run_id and a.attempt = u.attempt + 1`,
    [failures.map((f) => f.run_id), failures.map((f) => f.attempt)],
  );
  return new Map(r.rows.map((x) => [key(Number(x.run_id), x.attempt), x.state]));
}

/**
 * Whether the service instance each failed run belongs to missed a deadline, as the instances
 * stood at `until`: true when one of the job's services finished late or not at all, false when
 * all finished in time, absent when none is known or still open.
 */
export async function slaMissed(db: Queryable, failures: readonly StoredFailure[], until: Date): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  const jobs = new Set(failures.map((f) => `${f.namespace}/${f.name}`));
  const first = failures[0]?.failed_at;
  if (!first) return out;
  const days = Math.ceil((until.getTime() - first.getTime()) / DAY) + 2;
  for (const { definition: def } of await listServices(db)) {
    const resolved = (await resolveServiceJobs(db, def)).jobs;
    if (!resolved.some((j) => jobs.has(j.job))) continue;
    const runs = await runsBefore(db, resolved.map((j) => j.job), until, days);
    const outcome = new Map(instanceRecords(resolved, def.deadline, runs, until).map((r) => [r.key, r.outcome]));
    const instanceOf = new Map<string, string>();
    for (const inst of pastInstances(resolved, runs)) for (const [job, run] of inst.runs) instanceOf.set(`${job}\u0000${run.run_key}`, inst.key);
    for (const f of failures) {
      const inst = instanceOf.get(`${f.namespace}/${f.name}\u0000${f.run_key}`);
      const o = inst === undefined ? undefined : outcome.get(inst);
      if (o === undefined || o === 'open') continue;
      const k = key(f.run_id, f.attempt);
      out.set(k, (out.get(k) ?? false) || o === 'late' || o === 'missed');
    }
  }
  return out;
}

/** The embedder the store's signature vectors were made by, as recorded; null on a store that has none yet. */
export async function storedEmbedder(db: Queryable): Promise<string | null> {
  return (await db.query<{ embedder: string }>('select embedder from embedder_state')).rows[0]?.embedder ?? null;
}

/** Every job some source has reported, as `namespace/name`, in order: what `medic check --history` checks services against. */
export async function reportedJobList(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ job: string }>(`select namespace || '/' || name as job from jobs order by namespace, name`);
  return rows.map((r) => r.job);
}
