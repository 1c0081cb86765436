/**
 * The questions the bench asks, in the proportions a platform would: 85 % failures and 15 %
 * preflights. Failures follow the seed's popularity (Zipf over its signatures, so the refused
 * connection that has 5,000 incidents is asked about most and storms), a few are CI breakages
 * Medic has seen only half of, and one in four strikes a job of a business service.
 */
import type { Queryable } from '../../src/db/pool.ts';
import { seeded } from '../../src/demo/random.ts';
import { candidateFamilies, ciFamilies, loghubEvents, type Family } from './corpus.ts';
import type { Ask } from './sample.ts';
import { ZIPF_S } from './seed.ts';
import { zipfSampler } from './zipf.ts';

export interface World {
  /** Families of the seeded signatures, most popular first. */
  families: Family[];
  ci: Family[];
  jobs: string[];
  serviceJobs: string[];
  /** Jobs with inputs, each input with its usual size. */
  preflight: { job: string; inputs: { dataset: string; usual: number }[] }[];
}

const ORCHESTRATOR: Record<string, string> = { 'airflow-prod': 'airflow', 'controlm-core': 'controlm', 'argo-ml': 'argo', 'ol-spark': 'openlineage' };

/** Reads what the questions are about from the seeded store, and rebuilds the families the seed learned. */
export async function loadWorld(db: Queryable, familyIndexes: number[]): Promise<World> {
  const all: Family[] = [];
  const wanted = Math.max(0, ...familyIndexes);
  for (const f of candidateFamilies(loghubEvents())) {
    if (all.length > wanted) break;
    all.push(f);
  }
  const jobs = (await db.query<{ job: string }>(`select namespace || '/' || name as job from jobs order by id`)).rows.map((r) => r.job);
  const serviceJobs = (await db.query<{ job: string }>(
    `select distinct j->>'job' as job from services s, jsonb_array_elements(s.definition->'jobs') j order by 1`)).rows.map((r) => r.job);
  const preflight = (await db.query<{ job: string; inputs: { dataset: string; usual: number }[] }>(
    `select j.namespace || '/' || j.name as job,
            json_agg(json_build_object('dataset', d.dataset, 'usual', (select percentile_cont(0.5) within group (order by row_count)
                                                                      from dataset_stats s where s.dataset = d.dataset))) as inputs
     from job_datasets d join jobs j on j.id = d.job_id where d.direction = 'input' group by j.id order by j.id`)).rows;
  return { families: familyIndexes.map((i) => all[i]).filter((f): f is Family => f !== undefined), ci: ciFamilies(), jobs, serviceJobs, preflight };
}

/** An endless stream of request bodies; `seed` makes each phase's stream its own and repeatable. */
export function askStream(world: World, seed: number): () => Ask {
  const r = seeded(seed);
  const zipf = zipfSampler(world.families.length, ZIPF_S, r);
  let n = 0;
  const common = (job: string) => {
    const ns = job.slice(0, job.indexOf('/'));
    return { source: ns, orchestrator: ORCHESTRATOR[ns] ?? 'generic', job, run: { key: `scheduled__bench-${seed}-${n++}` } };
  };
  const failure = (): Ask => {
    const family = r.chance(0.08) ? r.pick(world.ci) : world.families[zipf()];
    const text = family?.render(r) ?? { message: 'unknown failure' };
    const job = r.chance(0.25) ? r.pick(world.serviceJobs) : r.pick(world.jobs);
    const u = r.next();
    const attempt = u < 0.7 ? 1 : u < 0.88 ? 2 : u < 0.96 ? 3 : r.int(4, 5);
    return { kind: 'failure', body: JSON.stringify({ input: { kind: 'failure', ...common(job), attempt, error: text } }) };
  };
  const preflight = (): Ask => {
    const p = r.pick(world.preflight);
    const reported = r.chance(0.5) ? p.inputs.map((i) => ({ dataset: i.dataset, row_count: Math.round(i.usual * (r.chance(0.1) ? 0.3 : 1 + 0.02 * (r.next() - 0.5))) })) : undefined;
    return { kind: 'preflight', body: JSON.stringify({ input: { kind: 'preflight', ...common(p.job), ...(reported ? { inputs: reported } : {}) } }) };
  };
  return () => (r.chance(0.15) && world.preflight.length ? preflight() : failure());
}
