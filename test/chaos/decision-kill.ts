/**
 * `medic serve` killed with SIGKILL after a decision is logged and before its follow-up is made:
 * an orchestrator's gated decision whose approval request was being written, and the heal loop's
 * decision whose execution was being written (held there by a lock on the audit log, which both
 * write in the follow-up's transaction). After a restart the sweep finds both decisions and makes
 * the approval request and the execution, once each; the action reaches the scheduler once.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createFakeAirflow } from '../../src/fakes/airflow.ts';
import { airflowConnection, clears, failureInput, healEnv, minutesAgo, taskInstance } from '../support/heal.ts';
import { exited, spawnServe, waitFor } from '../support/servers.ts';
import { verdict, type Fault, type FaultReport } from './fault.ts';
import { postgresStore } from './stores.ts';

const POLICIES = `
policies:
  - id: chaos-gated-retry
    description: Retries of the gated load wait for the data on-call.
    priority: 100
    match: { jobs: ["airflow-prod/finance_close.gated_dw"] }
    action: { kind: retry, delay_s: 0 }
    approval: { kind: one_of, groups: [data-oncall] }
  - id: chaos-heal-retry
    description: The healed load is retried at once.
    priority: 100
    match: { jobs: ["airflow-prod/finance_close.heal_dw"] }
    action: { kind: retry, delay_s: 0 }
`;

export const decisionKill: Fault = {
  name: 'kill -9 between a decision and its approval request or execution (PostgreSQL)',
  skip: () => (process.env.DATABASE_URL ? undefined : 'needs DATABASE_URL: the store must be locked from outside the process'),
  run: async () => {
    const store = await postgresStore();
    const fake = await createFakeAirflow({ api: 'v2' });
    const dir = await mkdtemp(join(tmpdir(), 'medic-chaos-policies-'));
    try {
      await writeFile(join(dir, 'chaos.yaml'), POLICIES);
      fake.state.addDag('finance_close', { heal_dw: [], gated_dw: [] });
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'h1', task_id: 'heal_dw', state: 'failed', try_number: 1 });
      const env = healEnv([airflowConnection(fake)], { ...store.env, REDIS_URL: '', MEDIC_POLICIES_DIR: dir, MEDIC_HEAL: 'on' });
      return await killBetween(store, env, () => clears(fake).length);
    } finally {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
      await store.close();
    }
  },
};

async function killBetween(store: Awaited<ReturnType<typeof postgresStore>>, env: Record<string, string>, reached: () => number): Promise<FaultReport> {
  const first = await spawnServe(env);
  const lock = new pg.Client({ connectionString: env.DATABASE_URL });
  await lock.connect();
  await lock.query('begin');
  await lock.query('lock table audit_log in exclusive mode');
  const post = (path: string, body: unknown) => fetch(`${first.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const ingested = await post('/v1/events', { source: 'airflow', instance: 'airflow-prod', events: [taskInstance({ run: 'h1', task: 'heal_dw', state: 'failed', try: 1, start: minutesAgo(10), end: minutesAgo(2) })] });
  const asked = post('/v1/decide', failureInput('airflow-prod/finance_close.gated_dw', 'g1', 'could not connect to server: Connection refused')).then((r) => r.status, () => null);
  type Row = { id: string; job: string };
  const decisions = await waitFor('both decisions to be logged', async () => {
    const rows = await store.query<Row>(`select id, job from decisions where job in ('airflow-prod/finance_close.heal_dw', 'airflow-prod/finance_close.gated_dw') and enforced`);
    return rows.length === 2 ? rows : undefined;
  }, 60_000).catch((err: unknown) => { throw new Error(`${String(err)}\n${first.output().slice(-1500)}`); });
  // Both follow-ups are now waiting on the lock: the process dies with them unwritten.
  await waitFor('the follow-ups to wait on the audit log', async () => {
    const [w] = await store.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`);
    return (w?.n ?? 0) >= 2 ? true : undefined;
  }, 30_000);
  first.kill('SIGKILL');
  await exited(first);
  await lock.query('rollback');
  await lock.end();
  const answered = await asked;

  const gated = decisions.find((d) => d.job.endsWith('gated_dw'))?.id ?? '';
  const healed = decisions.find((d) => d.job.endsWith('heal_dw'))?.id ?? '';
  const followUps = async () => {
    const [c] = await store.query<{ approvals: number; executions: number; executed: number; recovered: number }>(
      `select (select count(*)::int from approvals where decision_id = $1) as approvals,
              (select count(*)::int from executions where decision_id = $2) as executions,
              (select count(*)::int from executions where decision_id = $2 and state = 'executed') as executed,
              (select count(*)::int from audit_log where kind = 'decision.recovered' and decision_id in ($1, $2)) as recovered`, [gated, healed]);
    return c ?? { approvals: 0, executions: 0, executed: 0, recovered: 0 };
  };
  const before = await followUps();

  const second = await spawnServe(env);
  let after = before;
  try {
    after = await waitFor('the follow-ups to be recovered and the retry executed', async () => {
      const c = await followUps();
      return c.approvals > 0 && c.executed > 0 && c.recovered >= 2 ? c : undefined;
    }, 60_000).catch(async () => followUps());
    // A few more sweeps: nothing is followed up twice.
    await new Promise((r) => setTimeout(r, 1_500));
    after = await followUps();
  } finally {
    second.kill('SIGTERM');
    await exited(second);
  }
  const counts = {
    decisions_logged: decisions.length, orphaned_at_kill: (before.approvals === 0 ? 1 : 0) + (before.executions === 0 ? 1 : 0),
    approvals_after_restart: after.approvals, executions_after_restart: after.executions, executed: after.executed,
    calls_to_scheduler: reached(), recovered: after.recovered,
  };
  return verdict('decision-kill', counts, {
    'the events were ingested': ingested.ok,
    'the caller got no answer from the killed server': answered === null,
    'both follow-ups were missing when the process died': before.approvals === 0 && before.executions === 0,
    'the gated decision has exactly one approval request': after.approvals === 1,
    'the heal decision has exactly one execution, executed': after.executions === 1 && after.executed === 1,
    'the retry reached the scheduler once': reached() === 1,
    'both recoveries are in the audit log': after.recovered === 2,
  }, [`second server's log tail: ${second.output().slice(-1500)}`]);
}
