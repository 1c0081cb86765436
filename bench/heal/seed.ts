import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/db/pool.ts';
import { insertDecisions, type DecisionRow } from '../../src/decide/log-sql.ts';
import type { FakeAirflow } from '../../src/fakes/airflow.ts';

/**
 * `n` approved retries waiting to run, each with its decision and a failed task instance at the
 * fake Airflow to clear: what the throughput part of `bench:heal` queues at once.
 */
export async function seedExecutions(pool: Pool, fake: FakeAirflow, n: number): Promise<number[]> {
  const decisions: DecisionRow[] = Array.from({ length: n }, (_, i) => ({
    id: randomUUID(), kind: 'failure', job: `airflow-prod/bench_dag.task_${i % 10}`, run_key: `x-${i}`, attempt: 1, fingerprint: null,
    signature_id: null, policy_id: 'bench-retry', action: 'retry', enforced: true, budget_key: null, requires_approval: true, degraded: false,
    policy_revision: 'bench', input: {}, result: {}, created_at: new Date(),
  }));
  for (let i = 0; i < n; i += 1_000) await insertDecisions(pool, decisions.slice(i, i + 1_000));
  for (let i = 0; i < n; i++) fake.state.addTaskInstance({ dag_id: 'bench_dag', dag_run_id: `x-${i}`, task_id: `task_${i % 10}`, state: 'failed', try_number: 1 });
  const r = await pool.query<{ id: number }>(
    `insert into executions (decision_id, policy_id, attempt, source, action, target, actor, not_before, created_at)
     select d.id, 'bench-retry', 1, 'airflow-prod', '{"kind":"retry","delay_s":0,"max_attempts":3}',
            jsonb_build_object('kind', 'airflow', 'dagId', 'bench_dag', 'dagRunId', d.run_key, 'taskIds', jsonb_build_array(split_part(d.job, '.', 2)),
                               'includeDownstream', false, 'onlyFailed', true),
            'bench', now(), now()
       from decisions d where d.policy_revision = 'bench' order by d.run_key
     returning id`,
  );
  return r.rows.map((x) => x.id);
}
