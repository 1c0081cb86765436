/**
 * A scenario's failure as an orchestrator reports it: a failed try of an Airflow task, sent as
 * Airflow's OpenLineage provider sends it (START, then FAIL with the `errorMessage` facet: the
 * message and, as its stack trace, the attempt's log), ingested as `POST /api/v1/lineage` would
 * and analysed into an incident by the queue's workers. The fake Airflow holds the same task
 * instance, so an approved action has something real to act on.
 */
import type { Deps } from '../../src/deps.ts';
import type { FakeAirflow } from '../../src/fakes/airflow.ts';
import { ingest } from '../../src/ingest/ingest.ts';

/** The DAG every scenario's task belongs to. */
export const DAG = 'agent_eval';
const SOURCE = 'airflow-prod';
const PRODUCER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0';

/** The two events of one failed try: START and FAIL, the facets as the provider fills them. */
export function failedTry(t: { run: string; task: string; start: Date; end: Date; message: string; log: string | undefined }): object[] {
  const facets = {
    parent: { job: { namespace: SOURCE, name: DAG }, run: { runId: `${DAG}-${t.run}` } },
    airflow: { dagRun: { dag_id: DAG, run_id: t.run }, taskInstance: { try_number: 1 }, task: { task_id: t.task } },
  };
  const run = { runId: `${DAG}-${t.run}-${t.task}-1` };
  const job = { namespace: SOURCE, name: `${DAG}.${t.task}` };
  const errorMessage = { message: t.message, programmingLanguage: 'python', ...(t.log ? { stackTrace: t.log } : {}) };
  return [
    { eventType: 'START', eventTime: t.start.toISOString(), producer: PRODUCER, run: { ...run, facets }, job },
    { eventType: 'FAIL', eventTime: t.end.toISOString(), producer: PRODUCER, run: { ...run, facets: { ...facets, errorMessage } }, job },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The incident the failed try of `task` in `run` opened, once its analysis has run. */
async function incidentOf(deps: Deps, task: string, run: string, timeoutMs: number): Promise<number | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await deps.pool.query<{ incident_id: number }>(
      `select ir.incident_id from incident_runs ir join runs r on r.id = ir.run_id join jobs j on j.id = r.job_id where j.name = $1 and r.run_key = $2`,
      [`${DAG}.${task}`, run]);
    const id = r.rows[0]?.incident_id;
    if (id !== undefined) return id;
    await sleep(10);
  }
  return undefined;
}

/** Fails `task` in run `run` at the fake and in Medic; returns the incident the failure opened. */
export async function failTask(deps: Deps, airflow: FakeAirflow, f: { run: string; task: string; message: string; log: string | undefined }): Promise<number> {
  if (!airflow.state.dags.has(DAG)) airflow.state.addDag(DAG, {});
  airflow.state.addTaskInstance({ dag_id: DAG, dag_run_id: f.run, task_id: f.task, state: 'failed', try_number: 1 });
  const end = new Date();
  const events = failedTry({ ...f, start: new Date(end.getTime() - 4 * 60_000), end });
  const summary = await ingest(deps, { orchestrator: 'openlineage', source: SOURCE, timeZone: 'UTC', items: events, receivedAt: end });
  if (summary.rejected > 0) throw new Error(`the failure of ${f.task} was rejected: ${JSON.stringify(summary.items)}`);
  // Waits for the analysis, not for the whole queue: ingest also schedules a forecast sweep for later.
  const id = await incidentOf(deps, f.task, f.run, 60_000);
  if (id === undefined) throw new Error(`the failure of ${f.task} in ${f.run} opened no incident`);
  return id;
}
