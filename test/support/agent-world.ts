/**
 * A small world for agent runs: Medic on a test database with the agent policies, a fake Airflow
 * whose DAG `agent_dag` has a task per test, and failed tries ingested as Airflow's OpenLineage
 * provider reports them, analysed into incidents.
 */
import type { AgentKit } from '../../src/agent/deps.ts';
import type { Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import type { FakeAirflow } from '../../src/fakes/airflow.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { testDeps } from './deps.ts';
import { AGENT_POLICIES } from './agent.ts';
import { airflowConnection, airflowTry, healConfig, ingestAndSettle, policiesFrom } from './heal.ts';
import type { TestDatabase } from './stores.ts';

export const DAG = 'agent_dag';

/** Medic over `db` with workers running (heal off: the tests start the agent themselves). */
export async function agentMedic(db: TestDatabase, fake: FakeAirflow, kit: AgentKit, env: Record<string, string> = {}, config?: Config): Promise<Deps> {
  const deps = testDeps(db, { config: config ?? healConfig([airflowConnection(fake)], env), policies: await policiesFrom(AGENT_POLICIES), agent: kit });
  deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
  return deps;
}

let minute = 0;

/** A failed try of `task` in run `run` (with `log` as its stack trace or log), at the fake and in Medic; returns the incident it opened or joined. */
export async function failTask(deps: Deps, fake: FakeAirflow, task: string, run: string, message: string, log?: string): Promise<number> {
  if (!fake.state.dags.has(DAG)) fake.state.addDag(DAG, {});
  fake.state.addTaskInstance({ dag_id: DAG, dag_run_id: run, task_id: task, state: 'failed', try_number: 1 });
  minute += 1;
  const at = (m: number) => new Date(Date.now() - (60 - m) * 60_000).toISOString();
  const events = airflowTry({ dag: DAG, run, task, state: 'failed', try: 1, start: at(minute - 1), end: at(minute), message }) as { run: { facets: { errorMessage?: Record<string, unknown> } } }[];
  const failed = events[1]?.run.facets.errorMessage;
  if (failed && log) failed.stackTrace = log;
  await ingestAndSettle(deps, 'openlineage', 'airflow-prod', events);
  const r = await deps.pool.query<{ incident_id: number }>(
    `select ir.incident_id from incident_runs ir join runs r on r.id = ir.run_id join jobs j on j.id = r.job_id where j.name = $1 and r.run_key = $2`,
    [`${DAG}.${task}`, run]);
  const id = r.rows[0]?.incident_id;
  if (id === undefined) throw new Error(`the failure of ${task} in ${run} opened no incident`);
  return id;
}

/** Executions of the agent's decisions (`input.requester` is the agent). */
export async function agentExecutions(deps: Deps, agentRunId: number): Promise<{ id: number; state: string; action: { kind: string } }[]> {
  const r = await deps.pool.query<{ id: number; state: string; action: { kind: string } }>(
    `select e.id, e.state, e.action from executions e join decisions d on d.id = e.decision_id
      where d.input->>'requester' = $1 order by e.id`, [`agent:diagnose#${agentRunId}`]);
  return r.rows;
}
