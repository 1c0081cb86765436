import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliStoreForSuite, runMedic } from '../support/cli.ts';
import { airflowTry } from '../support/heal.ts';
import { testStores } from '../support/stores.ts';

const medic = (args: string[], env: Record<string, string>, stdin = '') => runMedic(args, { MEDIC_HEAL: 'off', ...env }, stdin);

// Each command is a process of its own: one store is enough, the server one when there is one.
const store = testStores().at(-1);

describe(`medic agent run and show (${store?.name ?? 'none'})`, () => {
  const cli = cliStoreForSuite(store);

  it('diagnoses an incident with the planner, shows the run with its steps, and refuses what does not exist', async () => {
    const { env } = cli;
    const at = (m: number) => new Date(Date.now() - (30 - m) * 60_000).toISOString();
    const events = airflowTry({ dag: 'cli_dag', run: 'r1', task: 'load', state: 'failed', try: 1, start: at(0), end: at(1),
      message: 'psycopg2.OperationalError: could not connect to server: Connection refused' });
    const ingested = await medic(['ingest', '-', '--source', 'openlineage', '--instance', 'airflow-prod'], env, events.map((e) => JSON.stringify(e)).join('\n'));
    assert.equal(ingested.code, 0, ingested.stderr);
    const listed = await medic(['incidents', '--json'], env);
    const incident = (JSON.parse(listed.stdout) as { id: number; job: { name: string } }[]).find((i) => i.job.name === 'cli_dag.load');
    assert.ok(incident, listed.stdout);

    const ran = await medic(['agent', 'run', String(incident.id), '--json'], env);
    assert.equal(ran.code, 0, ran.stderr);
    const run = JSON.parse(ran.stdout) as { id: number; status: string; model: string; diagnosis: { hypotheses: { class: string }[] }; proposal: { option: { action: { kind: string }; policyId: string } }; steps: { kind: string }[] };
    assert.equal(run.model, 'planner');
    assert.equal(run.diagnosis.hypotheses[0]?.class, 'network-transient');
    // The shipped policies retry a refused connection with backoff, ungated.
    assert.equal(run.proposal.option.action.kind, 'retry');
    assert.equal(run.proposal.option.policyId, 'network-transient-retry');
    assert.equal(run.steps[0]?.kind, 'agent.started');
    assert.ok(run.steps.some((s) => s.kind === 'decision.taken'), 'the decision is in the audit log with the run');

    const shown = await medic(['agent', 'show', String(run.id)], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^Agent run ${run.id} on incident ${incident.id} — ${run.status} \\(diagnose@1 on planner, asked by cli\\)`, 'm'));
    assert.match(shown.stdout, /diagnosis\s+1\. network-transient/);
    assert.match(shown.stdout, /proposal\s+\{"kind":"retry"/);
    assert.match(shown.stdout, /agent\.started\s+started by cli with diagnose@1 on planner/);

    const missing = await medic(['agent', 'run', '999999'], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /incident 999999 does not exist/);
    const unknown = await medic(['agent', 'run', String(incident.id), '--agent', 'nope'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no prompt "nope" in prompts\//);
    const bad = await medic(['agent', 'show', 'abc'], env);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /RUN must be a positive integer, not "abc"/);
  });
});
