/**
 * A scheduler whose clock is five minutes ahead of Medic's, and one five minutes behind: their
 * events are taken with the times they carry, their failures are analysed into one incident, and
 * their decisions are the ones a scheduler on time gets — none degraded, none refused.
 */
import { exited, spawnServe, waitFor } from '../support/servers.ts';
import { verdict, type Fault, type FaultReport } from './fault.ts';
import { embeddedStore, postgresStore, type ChaosStore } from './stores.ts';

const NAMESPACE = 'chaos_skew';
const SKEW_MS = 5 * 60_000;

export const clockSkew: Fault = {
  name: 'clock skew of ±5 minutes between Medic and a scheduler',
  skip: () => undefined,
  run: async () => {
    const store = process.env.DATABASE_URL ? await postgresStore() : await embeddedStore();
    try {
      return await skewed(store);
    } finally {
      await store.close();
    }
  },
};

async function skewed(store: ChaosStore): Promise<FaultReport> {
  const serve = await spawnServe({ ...store.env, REDIS_URL: '', MEDIC_HEAL: 'off', MEDIC_DECIDE_TIMEOUT_MS: '10000', MEDIC_DECIDE_SHED_AFTER_MS: '10000' });
  const skews = { ahead: SKEW_MS, behind: -SKEW_MS, on_time: 0 } as const;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${serve.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() as Record<string, unknown> };
  };
  const message = 'psycopg2.OperationalError: could not connect to server: Connection refused (10.0.0.4:5432)';
  try {
    const ingested = await Promise.all(Object.entries(skews).map(([name, skew]) => {
      const at = (m: number) => new Date(Date.now() + skew - m * 60_000).toISOString();
      return post('/v1/events', { source: 'generic', events: [
        { job: { namespace: NAMESPACE, name: 'load' }, run: { id: `${name}-1`, key: name, attempt: 1 }, type: 'started', time: at(3) },
        { job: { namespace: NAMESPACE, name: 'load' }, run: { id: `${name}-1`, key: name, attempt: 1 }, type: 'failed', time: at(0), error: { message } },
      ] });
    }));
    const runs = await waitFor('the three failures to be analysed', async () => {
      const rows = await fetch(`${serve.url}/v1/incidents?limit=20`).then((r) => r.json() as Promise<{ incidents?: { id: number; occurrences: number }[] }>);
      const incidents = rows.incidents ?? [];
      return incidents.reduce((n, i) => n + i.occurrences, 0) >= 3 ? incidents : undefined;
    }, 60_000).catch(() => []);
    const decisions = await Promise.all(Object.entries(skews).map(([name, skew]) => post('/v1/decide', {
      input: { kind: 'failure', source: 'generic', job: `${NAMESPACE}/load`, run: { key: name }, attempt: 1, time: new Date(Date.now() + skew).toISOString(), error: { message } },
    })));
    type Result = { action?: string; degraded?: unknown; policy_id?: string | null };
    const results = decisions.map((d) => (d.body.result ?? {}) as Result);
    const stored = await waitFor('the runs to be listed', async () => {
      const r = await fetch(`${serve.url}/v1/runs?namespace=${NAMESPACE}&limit=10`).then((x) => x.json() as Promise<{ runs?: { run_key?: string; key?: string }[] }>);
      return (r.runs?.length ?? 0) >= 3 ? r.runs : undefined;
    }, 30_000).catch(() => []);
    const counts = {
      events_accepted: ingested.filter((i) => i.status < 300).length * 2, runs_listed: stored?.length ?? 0, incidents: runs.length,
      failures_in_incidents: runs.reduce((n, i) => n + i.occurrences, 0),
      decisions: results.length, decisions_degraded: results.filter((r) => r.degraded != null).length,
      distinct_actions: new Set(results.map((r) => `${r.action}|${r.policy_id}`)).size,
    };
    return verdict('clock-skew', counts, {
      'events ahead of and behind Medic are taken': ingested.every((i) => i.status < 300),
      'all three runs are stored': counts.runs_listed === 3,
      'the three failures are one incident': runs.length === 1 && counts.failures_in_incidents === 3,
      'no decision is degraded': counts.decisions_degraded === 0,
      'ahead, behind and on time get the same decision': counts.distinct_actions === 1,
    }, [`decisions: ${JSON.stringify(results.map((r) => ({ action: r.action, policy: r.policy_id, degraded: r.degraded })))}`, `incidents: ${JSON.stringify(runs)}`, `log: ${serve.output().slice(-800)}`]);
  } finally {
    serve.kill('SIGTERM');
    await exited(serve);
  }
}
