/**
 * The demo's last act: the self-healing loop against a fake Airflow started in this process.
 * A manual run of the close (the on-call reloading the warehouse) fails in load_dw as today's
 * scheduled run did; Medic analyses it, decides, asks the data on-call (a demo policy gates
 * retries of the load during the close), dana approves, Medic clears the task at the fake
 * Airflow, the fake's scheduler runs it again, and the completion verifies the retry and teaches
 * the statistics. A virtual clock walks through the close so that the run reads the same each
 * time; the scheduled run the earlier steps show is left as it was.
 */
import { listAudit } from '../approvals/audit.ts';
import { listProposals } from '../approvals/proposals-sql.ts';
import { approvalDetail } from '../approvals/approvals.ts';
import { castVote } from '../approvals/vote.ts';
import type { Deps } from '../deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../fakes/airflow.ts';
import { buildHandlers } from '../handlers.ts';
import { summariseFixes } from '../incidents/evidence.ts';
import { ingest } from '../ingest/ingest.ts';
import { resolutionStats } from '../incidents/read-sql.ts';
import { loadPolicySet, policyFiles } from '../policies/load.ts';
import { fixedPolicyStore } from '../policies/store.ts';
import { createInProcessQueue } from '../queue/in-process.ts';
import { AirflowConnection } from '../remediation/config.ts';
import { createRemedy } from '../remediation/executors.ts';
import { defaultHttpDeps } from '../remediation/http.ts';
import { POLICIES_DIR } from '../runtime.ts';
import { renderApproval } from './approvals.ts';
import { renderAudit } from './audit.ts';
import { showSlackApproval } from './demo-slack.ts';

const DAG = 'finance_close';
const PROVIDER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0';
const DEMO_POLICY = `
policies:
  - id: close-load-retry-gated
    description: During the close a retry of the warehouse load competes with reconciliation for the warehouse, so the data on-call says when.
    priority: 110
    match: { jobs: ["airflow-prod/finance_close.load_dw"], signature: { template: "could not connect" } }
    action: { kind: retry, delay_s: 0, max_attempts: 5 }
    approval: { kind: one_of, groups: [data-oncall], separation_of_duties: true }
`;
const MINUTE = 60_000;

/** How today's scheduled load_dw failed, as the history left it: the manual run fails the same way. */
interface Today {
  error_message: string | null;
  error_detail: string | null;
}

/** One try of load_dw as Airflow's OpenLineage provider reports it. */
function loadTry(run: string, n: number, start: Date, end: Date, error?: { message: string; detail: string | null }): unknown[] {
  const facets = { parent: { job: { namespace: 'airflow-prod', name: DAG }, run: { runId: `${DAG}-${run}` } }, airflow: { dagRun: { dag_id: DAG, run_id: run }, taskInstance: { try_number: n } } };
  const base = { producer: PROVIDER, job: { namespace: 'airflow-prod', name: `${DAG}.load_dw` } };
  const runId = `demo-heal-${run}-${n}`;
  const done = error ? { ...facets, errorMessage: { message: error.message, programmingLanguage: 'python', ...(error.detail ? { stackTrace: error.detail } : {}) } } : facets;
  return [
    { ...base, eventType: 'START', eventTime: start.toISOString(), run: { runId, facets } },
    { ...base, eventType: error ? 'FAIL' : 'COMPLETE', eventTime: end.toISOString(), run: { runId, facets: done } },
  ];
}

async function fakeAirflow(run: string, failedTry: number): Promise<FakeAirflow> {
  const fake = await createFakeAirflow({ api: 'v2' });
  fake.state.addDag(DAG, { extract_erp: ['load_dw'], extract_bank: ['load_dw'], load_dw: ['reconcile'], reconcile: ['publish_reports'], publish_reports: [] });
  for (const task of ['extract_erp', 'extract_bank']) fake.state.addTaskInstance({ dag_id: DAG, dag_run_id: run, task_id: task, state: 'success' });
  fake.state.addTaskInstance({ dag_id: DAG, dag_run_id: run, task_id: 'load_dw', state: 'failed', try_number: failedTry, max_tries: 2 });
  for (const task of ['reconcile', 'publish_reports']) fake.state.addTaskInstance({ dag_id: DAG, dag_run_id: run, task_id: task, state: 'upstream_failed' });
  return fake;
}

/** Runs the loop and prints each step; `replayAt` is where the earlier steps left today's close. */
export async function showHealing(deps: Deps, replayAt: Date): Promise<void> {
  const today = (await deps.pool.query<Today>(
    `select r.error_message, r.error_detail from runs r join jobs j on j.id = r.job_id
      where j.namespace = 'airflow-prod' and j.name = $1 and r.state = 'failed' and r.ended_at <= $2 order by r.ended_at desc limit 1`,
    [`${DAG}.load_dw`, replayAt.toISOString()])).rows[0];
  if (!today?.error_message) return;
  const run = `manual__${new Date(replayAt.getTime() + 2 * MINUTE).toISOString().replace('.000Z', '+00:00')}`;
  const earlier = (await deps.pool.query<{ id: number }>('select a.id from approvals a join runs r on r.id = a.run_id where r.run_key = $1 order by a.id limit 1', [run])).rows[0];
  if (earlier) {
    console.log(`\n8. The self-healing loop ran in an earlier demo on this store; its story (\`medic audit --approval ${earlier.id}\`):\n`);
    console.log(renderAudit(await listAudit(deps.pool, { approval: earlier.id, limit: 100 })));
    return;
  }
  const fake = await fakeAirflow(run, 1);
  const queue = createInProcessQueue();
  try {
    await runLoop(deps, fake, queue, { ...today, run }, replayAt);
  } finally {
    await queue.close();
    await fake.close();
  }
}

async function runLoop(deps: Deps, fake: FakeAirflow, queue: ReturnType<typeof createInProcessQueue>, today: Today & { run: string }, replayAt: Date): Promise<void> {
  let now = new Date(replayAt.getTime() + 8 * MINUTE);
  const connection = AirflowConnection.parse({ source: 'airflow-prod', kind: 'airflow', url: fake.url, api: 'v2', auth: { kind: 'password', username: 'admin', password: 'admin' } });
  const loaded = await loadPolicySet([...await policyFiles(POLICIES_DIR), { name: 'demo-close.yaml', text: DEMO_POLICY }], deps.embedder);
  if (loaded.kind !== 'ok') throw new Error('the demo policy does not load');
  const loop: Deps = {
    ...deps, queue, clock: () => now, log: deps.log.child({}, { level: 'error' }), policies: fixedPolicyStore(loaded.set), remedy: createRemedy([connection], defaultHttpDeps()),
    config: { ...deps.config, heal: 'on', approvers: [{ name: 'dana', groups: ['data-oncall'] }], executors: [connection] },
  };
  // Forecasts are left as the earlier steps made them: a sweep on the loop's clock would change what they show next time.
  queue.startWorkers({ ...buildHandlers(loop), 'forecast-sweep': async () => undefined }, { concurrency: 2 });
  const n = 1;
  const message = today.error_message ?? '';
  console.log(`\n8. The self-healing loop (MEDIC_HEAL=on) against a fake Airflow 3 on ${fake.url}`);
  console.log('   The demo adds one policy: during the close, a retry of load_dw waits for the data on-call.\n');

  await ingest(loop, { orchestrator: 'openlineage', source: 'airflow-prod', timeZone: 'UTC', receivedAt: now, items: loadTry(today.run, n, new Date(now.getTime() - 6 * MINUTE), now, { message, detail: today.error_detail }) });
  now = new Date(now.getTime() + MINUTE);
  await queue.drain(60_000);
  const approval = (await deps.pool.query<{ id: number }>('select a.id from approvals a join runs r on r.id = a.run_id where r.run_key = $1 order by a.id desc limit 1', [today.run])).rows[0];
  if (!approval) return console.log('   (no approval was asked for: see `medic audit`)');
  const asked = await approvalDetail(deps.pool, approval.id);
  if (!asked) return;
  console.log(`   a. the on-call starts ${today.run} of ${DAG}; its load_dw fails like today's scheduled run:`);
  console.log(`      ${message.split('\n')[0]?.slice(0, 100)}`);
  console.log(`      Airflow's provider reports it; Medic analyses it into incident ${asked.incident_id ?? '?'}, beside today's earlier failures`);
  console.log(`   b. Medic decides ${asked.action.kind} (policy ${asked.policy_id}) and asks for approval:\n`);
  console.log(renderApproval(asked).split('\n').map((l) => `      ${l}`).join('\n'));
  await showSlackApproval(loop, approval.id);

  now = new Date(now.getTime() + 3 * MINUTE);
  const vote = await castVote(loop, approval.id, { name: 'dana', via: 'cli' }, 'approve', 'warehouse failed over; go');
  console.log(`\n   c. dana (data-oncall) approves: \`medic approve ${approval.id} --as dana\` → ${vote.kind === 'recorded' ? vote.status : vote.kind}`);
  await queue.drain(60_000);
  const call = fake.calls.find((c) => c.path.endsWith('/clearTaskInstances'));
  console.log(`   d. the execution reaches the fake Airflow, exactly this request:\n`);
  if (call) console.log(`      ${call.method} ${call.path}\n      authorization: Bearer …\n      ${JSON.stringify(call.body)}`);
  const ti = fake.state.taskInstance(DAG, today.run, 'load_dw');
  console.log(`\n      load_dw is cleared (state ${String(ti?.state)}); reconcile and publish_reports wait for it`);

  fake.state.tick();
  fake.state.tick();
  now = new Date(now.getTime() + 34 * MINUTE);
  fake.state.complete(DAG, today.run, 'load_dw', 'success');
  console.log(`   e. the fake's scheduler runs try ${String(ti?.try_number)} of load_dw, which succeeds 34 min later`);
  await ingest(loop, { orchestrator: 'openlineage', source: 'airflow-prod', timeZone: 'UTC', receivedAt: now, items: loadTry(today.run, n + 1, new Date(now.getTime() - 34 * MINUTE), now) });
  now = new Date(now.getTime() + MINUTE);
  await queue.drain(60_000);
  const done = await approvalDetail(deps.pool, approval.id);
  const incident = done?.incident_id ? (await deps.pool.query<{ status: string; action: string; actor: string; ttr: number | null; signature_id: number }>(
    `select i.status, res.action, res.actor, res.time_to_recover_ms as ttr, i.signature_id from incidents i left join resolutions res on res.incident_id = i.id where i.id = $1`,
    [done.incident_id])).rows[0] : undefined;
  console.log(`   f. the completion verifies it: execution ${done?.execution?.id ?? '?'} ${done?.execution?.verification ?? '?'}; incident ${done?.incident_id ?? '?'} ${incident?.status ?? '?'} by ${incident?.action ?? '?'} (${incident?.actor ?? '?'}), ${incident?.ttr ? Math.round(incident.ttr / MINUTE) : '?'} min after its first failure`);
  if (incident) {
    const fix = summariseFixes(await resolutionStats(deps.pool, [incident.signature_id])).find((f) => f.action === 'retry');
    if (fix) console.log(`   g. what Medic learned: ${fix.summary}`);
    const proposal = (await listProposals(deps.pool, { limit: 1 })).find((p) => p.signature_id === incident.signature_id);
    if (proposal) {
      console.log(`   h. that record passes the bar (${deps.config.promote.minAttempts} outcomes, ${Math.round(deps.config.promote.minSuccess * 100)} %): Medic proposes a policy for people to review, and applies nothing`);
      console.log(`      (\`medic policies proposals --yaml\`):\n\n${proposal.yaml.trimEnd().split('\n').map((l) => `        ${l}`).join('\n')}`);
    }
  }
  console.log(`\n   The incident's story (\`medic audit --incident ${done?.incident_id ?? ''}\`):\n`);
  if (done?.incident_id) console.log(renderAudit(await listAudit(deps.pool, { incident: done.incident_id, limit: 100 })));
}
