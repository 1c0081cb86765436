import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { APPROVERS } from '../support/heal.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const BIN = fileURLToPath(new URL('../../bin/medic.js', import.meta.url));

function medic(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _d, REDIS_URL: _r, MEDIC_DATA_DIR: _m, MEDIC_POLICIES_DIR: _p, MEDIC_USER: _u, ...rest } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...rest, LOG_LEVEL: 'silent', MEDIC_APPROVERS: JSON.stringify(APPROVERS), MEDIC_DECIDE_TIMEOUT_MS: '10000', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  child.stdin.end(stdin);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// Each command is a process of its own: one store is enough, the server one when there is one.
const store = testStores().at(-1);
const partial = (run: string) => JSON.stringify({ input: {
  kind: 'failure', source: 'airflow-prod', job: 'airflow-prod/finance_close.reconcile', run: { key: run }, requester: 'airflow-prod',
  error: { message: 'AssertionError: reconcile found 1204 rows, expected 58112: partial input in dw.ledger' },
} });

describe(`medic approvals, approve, reject and audit (${store?.name ?? 'none'})`, () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  before(async () => {
    db = await (store ?? { open: () => Promise.reject(new Error('no store')) }).open();
    dataDir = await mkdtemp(join(tmpdir(), 'medic-approvals-cli-'));
    env = db.url ? { DATABASE_URL: db.url } : { MEDIC_DATA_DIR: dataDir };
  });
  after(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists a gated decision\'s request, approves it as a configured approver, and tells its story', async () => {
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
    const id = JSON.parse((await medic(['decide', '-'], env, partial('d2'))).stdout).approval_id as number;
    const bare = await medic(['reject', String(id), '--as', 'bob'], env);
    assert.notEqual(bare.code, 0);
    assert.match(bare.stderr, /--reason/);
    const r = await medic(['reject', String(id), '--as', 'bob', '--reason', 'the ledger is being restored'], env);
    assert.match(r.stdout, new RegExp(`approval ${id}: rejected`));
  });
});
