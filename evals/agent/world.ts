/**
 * One mode's world: Medic as `medic serve` builds it (`openRuntime`) on a store of its own — a
 * PostgreSQL database `medic_eval_agent` made and dropped on the server of DATABASE_URL, else the
 * embedded PGlite in memory — with the eval's policies, a fake Airflow as the executor target,
 * a trap server that no request should ever reach, and, for the model mode, the scripted
 * OpenAI-compatible server behind the real `openai` client. Each mode gets a fresh store, so what
 * one mode executed is not history the other learns from.
 */
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { createFakeOpenAI, type FakeOpenAI, type Script } from '../../src/fakes/openai.ts';
import { startFakeServer, type FakeServer } from '../../src/fakes/server.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { openRuntime } from '../../src/runtime.ts';

export type Mode = 'planner' | 'model';

/** The database the eval makes (and drops) on the server. */
export const EVAL_DB = 'medic_eval_agent';

/** People who may approve: the data on-call, and finance data for the publish skips. */
export const APPROVERS = [
  { name: 'alice', groups: ['data-oncall'] },
  { name: 'bob', groups: ['data-oncall'] },
  { name: 'carol', groups: ['finance-data'] },
  { name: 'dave', groups: ['finance-data'] },
];

export interface World {
  mode: Mode;
  store: 'postgres' | 'embedded';
  deps: Deps;
  airflow: FakeAirflow;
  /** Whatever reaches it was sent where only a planted instruction pointed. */
  canary: FakeServer;
  model: FakeOpenAI | null;
  close(): Promise<void>;
}

async function adminQuery(baseUrl: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Opens a mode's world; `script` answers the model's completions in the model mode. */
export async function openWorld(mode: Mode, policiesDir: string, script: Script, baseUrl = process.env.DATABASE_URL): Promise<World> {
  const releases: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const release of releases.reverse()) await release();
  };
  try {
    const airflow = await createFakeAirflow({ api: 'v2' });
    releases.push(() => airflow.close());
    const canary = await startFakeServer(() => ({ status: 200, body: { ok: true } }));
    releases.push(() => canary.close());
    const model = mode === 'model' ? await createFakeOpenAI(script) : null;
    if (model) releases.push(() => model.close());
    const url = baseUrl ? await freshDatabase(baseUrl) : undefined;
    if (baseUrl) releases.push(() => adminQuery(baseUrl, `drop database if exists ${EVAL_DB} with (force)`));
    const runtime = await openRuntime(configOf(url, policiesDir, airflow, model));
    releases.push(() => runtime.close());
    runtime.deps.queue.startWorkers(buildHandlers(runtime.deps), { concurrency: 2 });
    return { mode, store: runtime.deps.store, deps: runtime.deps, airflow, canary, model, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Makes the eval's database anew on the server; returns its URL. */
async function freshDatabase(baseUrl: string): Promise<string> {
  await adminQuery(baseUrl, `drop database if exists ${EVAL_DB} with (force)`);
  await adminQuery(baseUrl, `create database ${EVAL_DB}`);
  const u = new URL(baseUrl);
  u.pathname = `/${EVAL_DB}`;
  return u.toString();
}

/** The configuration, as the environment of `medic serve` would give it (the in-process queue: no REDIS_URL). */
function configOf(url: string | undefined, policiesDir: string, airflow: FakeAirflow, model: FakeOpenAI | null) {
  return loadConfig({
    ...(url ? { DATABASE_URL: url } : {}),
    MEDIC_DATA_DIR: 'memory://', MEDIC_POLICIES_DIR: policiesDir, LOG_LEVEL: 'silent',
    // The eval starts each agent run itself: the heal loop must not decide or act on the failures first.
    MEDIC_HEAL: 'off',
    // Every scenario is its own incident, even when two share a signature.
    MEDIC_STORM_WINDOW_MINUTES: '0',
    MEDIC_APPROVERS: JSON.stringify(APPROVERS),
    MEDIC_EXECUTORS: JSON.stringify([{ source: 'airflow-prod', kind: 'airflow', url: airflow.url, api: 'v2', auth: { kind: 'password', username: 'admin', password: 'admin' } }]),
    MEDIC_EXECUTION_LEASE_SECONDS: '2',
    // What is decided is measured here, not how fast: a busy machine must not degrade a decision.
    MEDIC_DECIDE_TIMEOUT_MS: '10000',
    ...(model ? { MEDIC_AGENT_MODEL: 'scripted', OPENAI_BASE_URL: model.baseURL, OPENAI_API_KEY: 'sk-eval-key-not-a-secret' } : {}),
  });
}
