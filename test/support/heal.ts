/**
 * What the approval and self-healing tests share: a config with approvers and executors pointed
 * at the local fakes, a policy set from YAML, and payloads as the orchestrators give them.
 */
import type { Config } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import type { FakeAirflow } from '../../src/fakes/airflow.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { loadPolicySet, policyFiles } from '../../src/policies/load.ts';
import { fixedPolicyStore, type PolicyStore } from '../../src/policies/store.ts';
import { POLICIES_DIR } from '../../src/runtime.ts';
import type { Orchestrator } from '../../src/runs/schema.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { testConfig } from './deps.ts';

/** Gated actions for the approval tests: a retry of the loads needs one of the data on-call, a rerun of publishing two. */
export const GATED_POLICIES = `
policies:
  - id: load-retry-gated
    description: Retries of the warehouse loads wait for the data on-call.
    priority: 100
    match: { jobs: ["airflow-prod/finance_close.load_*"] }
    action: { kind: retry, delay_s: 0 }
    approval: { kind: one_of, groups: [data-oncall] }
  - id: publish-rerun-quorum
    description: Reruns of publishing need two of the data on-call.
    priority: 90
    match: { jobs: ["airflow-prod/finance_close.publish_*"] }
    action: { kind: rerun, include_downstream: false }
    approval: { kind: quorum, groups: [data-oncall], count: 2 }
`;

export const APPROVERS = [
  { name: 'alice', groups: ['data-oncall'] },
  { name: 'bob', groups: ['data-oncall'] },
  { name: 'carol', groups: ['finance-data'] },
];

/** An executor connection for the fake Airflow (Airflow 3: `/api/v2` with a JWT). */
export const airflowConnection = (fake: FakeAirflow, extra: Record<string, unknown> = {}) => ({
  source: 'airflow-prod', kind: 'airflow', url: fake.url, api: 'v2', auth: { kind: 'password', username: 'admin', password: 'admin' }, ...extra,
});

/** The environment of the approval and self-healing tests: the test approvers, these executors, and quick leases and sweeps. */
export function healEnv(executors: unknown[], env: Record<string, string> = {}): Record<string, string> {
  return {
    MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_EXECUTORS: JSON.stringify(executors), MEDIC_HEAL: 'off',
    MEDIC_EXECUTION_LEASE_SECONDS: '2', MEDIC_HEAL_SWEEP_SECONDS: '0.5',
    // These tests are about what is decided, not how fast: a busy machine must not degrade them to the safe default.
    MEDIC_DECIDE_TIMEOUT_MS: '10000', MEDIC_DECIDE_SHED_AFTER_MS: '10000', ...env,
  };
}

/** A config of `healEnv`. */
export function healConfig(executors: unknown[], env: Record<string, string> = {}): Config {
  return testConfig(healEnv(executors, env));
}

/** A fixed policy set from one YAML file. */
export function policiesFrom(yaml: string): Promise<PolicyStore> {
  return policyStoreOf([{ name: 'test.yaml', text: yaml }]);
}

/** The policies shipped in `policies/`, as Medic loads them at start. */
export async function shippedPolicies(): Promise<PolicyStore> {
  return policyStoreOf(await policyFiles(POLICIES_DIR));
}

async function policyStoreOf(files: Parameters<typeof loadPolicySet>[0]): Promise<PolicyStore> {
  const loaded = await loadPolicySet(files, createHashingEmbedder(256));
  if (loaded.kind !== 'ok') throw new Error(`test policies are invalid: ${JSON.stringify(loaded.issues)}`);
  return fixedPolicyStore(loaded.set);
}

export const minutesAgo = (m: number, from = Date.now()) => new Date(from - m * 60_000).toISOString();

/** A task instance as Airflow 3's `GET …/taskInstances/{task}` returns it. */
export function taskInstance(t: { dag?: string; run: string; task: string; state: string; try: number; start: string; end?: string }): Record<string, unknown> {
  return {
    task_id: t.task, dag_id: t.dag ?? 'finance_close', dag_run_id: t.run, map_index: -1, state: t.state, try_number: t.try,
    start_date: t.start, end_date: t.end ?? null, logical_date: t.start,
  };
}

/** Ingests payloads as `POST /v1/events` would, then waits for the queue to settle. */
export async function ingestAndSettle(deps: Deps, orchestrator: Orchestrator, source: string, items: unknown[]): Promise<void> {
  const s = await ingest(deps, { orchestrator, source, timeZone: 'UTC', items, receivedAt: new Date() });
  if (s.rejected > 0) throw new Error(`rejected: ${JSON.stringify(s.items)}`);
  await deps.queue.drain(30_000);
}

/** The failure input an orchestrator's callback posts to `/v1/decide`. */
export function failureInput(job: string, runKey: string, message: string, extra: Record<string, unknown> = {}) {
  return { input: { kind: 'failure', source: job.split('/')[0], job, run: { key: runKey }, attempt: 1, error: { message }, requester: 'airflow-prod', ...extra } };
}

/** The calls a fake received on a path, made for real (not dry runs). */
export function clears(fake: FakeAirflow): { body: unknown }[] {
  return fake.calls.filter((c) => c.path.endsWith('/clearTaskInstances') && (c.body as { dry_run?: unknown } | undefined)?.dry_run === false);
}

const PROVIDER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0';

/** One try of an Airflow task as Airflow's OpenLineage provider reports it: START, then FAIL (with the error) or COMPLETE. */
export function airflowTry(t: { dag: string; run: string; task: string; try: number; state: 'failed' | 'success'; start: string; end: string; message?: string }): object[] {
  const facets = {
    parent: { job: { namespace: 'airflow-prod', name: t.dag }, run: { runId: `${t.dag}-${t.run}` } },
    airflow: { dagRun: { dag_id: t.dag, run_id: t.run }, taskInstance: { try_number: t.try }, task: { task_id: t.task } },
  };
  const run = { runId: `${t.dag}-${t.run}-${t.task}-${t.try}` };
  const job = { namespace: 'airflow-prod', name: `${t.dag}.${t.task}` };
  const error = { errorMessage: { message: t.message ?? 'psycopg2.OperationalError: could not connect to server: Connection refused', programmingLanguage: 'python' } };
  return [
    { eventType: 'START', eventTime: t.start, producer: PROVIDER, run: { ...run, facets }, job },
    { eventType: t.state === 'failed' ? 'FAIL' : 'COMPLETE', eventTime: t.end, producer: PROVIDER, run: { ...run, facets: t.state === 'failed' ? { ...facets, ...error } : facets }, job },
  ];
}
