import type { Queryable } from '../db/pool.ts';

/** One row of the decision log, as written. */
export interface DecisionRow {
  id: string;
  kind: 'failure' | 'preflight';
  job: string;
  run_key: string | null;
  attempt: number | null;
  fingerprint: string | null;
  signature_id: number | null;
  policy_id: string | null;
  action: string;
  enforced: boolean;
  budget_key: string | null;
  requires_approval: boolean;
  degraded: boolean;
  policy_revision: string;
  input: unknown;
  result: unknown;
  created_at: Date;
  /** The replica that took the decision (`GET /v1/decisions/:id` shows it). */
  replica?: string | null;
  /** How old the in-memory facts behind the decision were, in ms; null when read from the store. */
  facts_age_ms?: number | null;
}

/** Appends decisions in one statement: the rows travel as one JSON document. */
export async function insertDecisions(db: Queryable, rows: DecisionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query({
    name: 'medic-insert-decisions',
    text: `insert into decisions (id, kind, job, run_key, attempt, fingerprint, signature_id, policy_id, action, enforced,
                            budget_key, requires_approval, degraded, policy_revision, input, result, created_at, replica, facts_age_ms)
     select id, kind, job, run_key, attempt, fingerprint, signature_id, policy_id, action, enforced,
            budget_key, requires_approval, degraded, policy_revision, input, result, created_at, replica, facts_age_ms
     from json_populate_recordset(null::decisions, $1::json)`,
    values: [JSON.stringify(rows)],
  });
}

export interface DecisionFilter {
  job?: string;
  policyId?: string;
  action?: string;
  kind?: 'failure' | 'preflight';
  since?: Date;
  before?: Date;
  /** Only decisions after this one in the log's order (keyset pagination, as the console pages). */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Decisions newest first (ties by id), without their input and result bodies. */
export async function listDecisions(db: Queryable, f: DecisionFilter): Promise<Omit<DecisionRow, 'input' | 'result'>[]> {
  const r = await db.query<Omit<DecisionRow, 'input' | 'result'>>(
    `select id, kind, job, run_key, attempt, fingerprint, signature_id, policy_id, action, enforced, budget_key,
            requires_approval, degraded, policy_revision, created_at
     from decisions
     where ($1::text is null or job = $1) and ($2::text is null or policy_id = $2) and ($3::text is null or action = $3)
       and ($4::text is null or kind = $4) and ($5::timestamptz is null or created_at >= $5) and ($6::timestamptz is null or created_at < $6)
       and ($8::timestamptz is null or (created_at <= $8 and (created_at < $8 or id > $9::uuid)))
     order by created_at desc, id limit $7`,
    [f.job ?? null, f.policyId ?? null, f.action ?? null, f.kind ?? null, f.since?.toISOString() ?? null, f.before?.toISOString() ?? null, f.limit,
      f.after?.createdAt.toISOString() ?? null, f.after?.id ?? null],
  );
  return r.rows;
}

export async function getDecision(db: Queryable, id: string): Promise<DecisionRow | undefined> {
  return (await db.query<DecisionRow>('select * from decisions where id = $1', [id])).rows[0];
}
