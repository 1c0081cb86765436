import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPROVERS } from '../support/heal.ts';
import { cliStoreForSuite, runMedic } from '../support/cli.ts';
import { testStores } from '../support/stores.ts';

const medic = (args: string[], env: Record<string, string>, stdin = '') =>
  runMedic(args, { MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_DECIDE_TIMEOUT_MS: '10000', ...env }, stdin);

// Each command is a process of its own: one store is enough, the server one when there is one.
const store = testStores().at(-1);
const partial = (run: string) => JSON.stringify({ input: {
  kind: 'failure', source: 'airflow-prod', job: 'airflow-prod/finance_close.reconcile', run: { key: run }, requester: 'airflow-prod',
  error: { message: 'AssertionError: reconcile found 1204 rows, expected 58112: partial input in dw.ledger' },
} });

describe(`medic approvals, approve, reject and audit (${store?.name ?? 'none'})`, () => {
  const cli = cliStoreForSuite(store);

  it('lists a gated decision\'s request, approves it as a configured approver, and tells its story', async () => {
    const { env } = cli;
    const asked = await medic(['decide', '-'], env, partial('d1'));
    assert.equal(asked.code, 0, asked.stderr);
    const id = JSON.parse(asked.stdout).approval_id as number;
    assert.ok(id);
    const list = await medic(['approvals', '--status', 'pending'], env);
    assert.match(list.stdout, new RegExp(`^${id}\\s+pending\\s+rerun\\s+partial-input-rerun\\s+one of data-oncall\\s+airflow-prod`, 'm'));
    const stranger = await medic(['approve', String(id), '--as', 'mallory'], env);
    assert.equal(stranger.code, 1);
    assert.match(stranger.stderr, /refused \(forbidden\): "mallory" is not a configured approver/);
    const ok = await medic(['approve', String(id), '--reason', 'input complete now'], { ...env, MEDIC_USER: 'alice' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`approval ${id}: approved`));
    const story = await medic(['audit', '--approval', String(id)], env);
    const steps = [...story.stdout.matchAll(/\s(decision\.taken|approval\.\w+|execution\.\w+)\s/g)].map((m) => m[1]);
    // No run of reconcile is stored, so there is nothing to act on: it is recorded, not executed.
    assert.deepEqual(steps, ['decision.taken', 'approval.requested', 'approval.vote', 'approval.vote', 'approval.approved', 'execution.not_executed']);
  });

  it('rejects only with a reason', async () => {
    const { env } = cli;
    const id = JSON.parse((await medic(['decide', '-'], env, partial('d2'))).stdout).approval_id as number;
    const bare = await medic(['reject', String(id), '--as', 'bob'], env);
    assert.notEqual(bare.code, 0);
    assert.match(bare.stderr, /--reason/);
    const r = await medic(['reject', String(id), '--as', 'bob', '--reason', 'the ledger is being restored'], env);
    assert.match(r.stdout, new RegExp(`approval ${id}: rejected`));
  });
});
