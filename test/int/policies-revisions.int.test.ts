/**
 * Promotion with history through the API: a candidate set is compared, stored and activated; a
 * rollback is a new activation; decisions name the revision they used, and the decision's API
 * answer and console page show who applied it from which commit.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { openPolicyStore, type PolicyStore } from '../../src/policies/store.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { testStores, type TestDatabase } from '../support/stores.ts';

const PEOPLE = 'policies:\n  - {id: people, description: Every failure goes to people., action: {kind: notify}}\n';
const V1 = [{ name: 'base.yaml', text: PEOPLE }];
const V2 = [
  { name: 'base.yaml', text: 'policies:\n  - {id: people, description: Every failure goes to people., priority: 1, action: {kind: notify, page: true}}\n' },
  { name: 'retry.yaml', text: 'policies:\n  - {id: retry-loads, description: Loads are retried., priority: 10, match: {jobs: ["etl/load*"]}, action: {kind: retry, delay_s: 30}}\n' },
];
const FAILURE = { input: { kind: 'failure', job: 'etl/load_dw', error: { message: 'could not connect to server: Connection refused' } } };

for (const store of testStores()) {
  describe(`policy revisions: apply, list, rollback, decisions (${store.name})`, () => {
    let db: TestDatabase;
    let dir: string;
    let policies: PolicyStore;
    let app: FastifyInstance;
    const ids: Record<'v1' | 'v2', string> = { v1: '', v2: '' };
    const post = (url: string, payload?: unknown) => app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
    const count = async () => (await db.pool.query<{ n: number }>('select (select count(*) from policy_revisions) + (select count(*) from policy_activations) as n')).rows[0]?.n;

    before(async () => {
      db = await store.open();
      dir = await mkdtemp(join(tmpdir(), 'medic-revisions-'));
      await writeFile(join(dir, 'folder.yaml'), 'policies:\n  - {id: folder-only, description: From the folder., action: {kind: notify}}\n');
      policies = await openPolicyStore(dir, createHashingEmbedder(256), { pool: db.pool, pollMs: 0 });
      app = await buildApp(testDeps(db, { config: testConfig({ MEDIC_USER: 'dana', MEDIC_POLICIES_DIR: dir }), policies }));
    });
    after(async () => {
      await app.close();
      policies.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('says what a set would change against the folder on a dry run, and stores nothing', async () => {
      const res = await post('/v1/policies/revisions', { files: V2, dry_run: true });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.outcome, 'dry_run');
      assert.deepEqual(body.against, { kind: 'folder', id: policies.current().revision, dir });
      assert.deepEqual({ added: body.changes.added, removed: body.changes.removed }, { added: ['people', 'retry-loads'], removed: ['folder-only'] });
      assert.equal(await count(), 0);
    });

    it('refuses an invalid set with each fault\'s file, line and column, and stores nothing', async () => {
      const res = await post('/v1/policies/revisions', { files: [{ name: 'bad.yaml', text: 'policies:\n  - id: wipe\n    description: d\n    action: {kind: skip}\n' }] });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().error.details, [{ path: ['bad.yaml', 'policies', 0, 'approval'], message: 'line 2, column 5: a skip action changes data or commitments and must be gated: give an approval other than none' }]);
      assert.equal(await count(), 0);
    });

    it('stores and activates a set with its author and commit, and decisions record the revision', async () => {
      const res = await post('/v1/policies/revisions', { files: V1, author: 'Ada <ada@example.com>', commit: '1a2b3c4d5e6f7a8b9c0d', message: 'first' });
      assert.equal(res.statusCode, 201, res.body);
      ids.v1 = res.json().revision;
      assert.equal(res.json().activation.activated_by, 'dana');
      const loaded = (await app.inject('/v1/policies')).json();
      assert.equal(loaded.revision, ids.v1);
      assert.deepEqual([loaded.loaded_from.kind, loaded.loaded_from.revision.author], ['revision', 'Ada <ada@example.com>']);

      const decided = (await post('/v1/decide', FAILURE)).json();
      assert.equal(decided.result.policy_revision, ids.v1);
      const one = (await app.inject(`/v1/decisions/${decided.decision_id}`)).json();
      assert.equal(one.policy_revision, ids.v1);
      assert.deepEqual(one.policy_revision_detail, {
        id: ids.v1, number: 1, author: 'Ada <ada@example.com>', commit: '1a2b3c4d5e6f7a8b9c0d', message: 'first',
        applied_at: one.policy_revision_detail.applied_at, applied_by: 'dana', href: `/v1/policies/revisions/${ids.v1}`,
      });
      const page = await app.inject(`/decisions/${decided.decision_id}`);
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, new RegExp(`<a href="/policies/revisions/${ids.v1}"><code>${ids.v1}</code></a> <span class="muted">#1, by Ada &lt;ada@example.com&gt;, commit <code>1a2b3c4d5e6f</code>, applied by dana`));
    });

    it('rolls back to an earlier revision as a new activation, keeping the history', async () => {
      const applied = (await post('/v1/policies/revisions', { files: V2 })).json();
      ids.v2 = applied.revision;
      assert.deepEqual([applied.against.id, applied.changes.added, applied.changes.changed], [ids.v1, ['retry-loads'], ['people']]);
      assert.equal((await post('/v1/decide', FAILURE)).json().result.policy_revision, ids.v2);

      const back = await post(`/v1/policies/revisions/${ids.v1}/activate`, { message: 'the retries misbehave' });
      assert.equal(back.statusCode, 200, back.body);
      assert.deepEqual([back.json().outcome, back.json().previous], ['activated', ids.v2]);
      assert.equal(policies.current().revision, ids.v1);
      assert.equal((await post('/v1/decide', FAILURE)).json().result.policy_revision, ids.v1);
      assert.equal((await post(`/v1/policies/revisions/${ids.v1}/activate`)).json().outcome, 'already_active');
      assert.equal((await post('/v1/policies/revisions', { files: V1 })).json().outcome, 'already_active');

      const list = (await app.inject('/v1/policies/revisions?limit=1')).json();
      assert.deepEqual(list.revisions.map((r: { id: string; active: boolean }) => [r.id, r.active]), [[ids.v2, false]]);
      const rest = (await app.inject(`/v1/policies/revisions?before=${list.next_before}`)).json();
      assert.deepEqual(rest.revisions.map((r: { id: string; active: boolean; policy_ids: string[] }) => [r.id, r.active, r.policy_ids]), [[ids.v1, true, ['people']]]);
      const v1 = (await app.inject(`/v1/policies/revisions/${ids.v1}`)).json();
      assert.deepEqual(v1.files, V1);
      assert.deepEqual(v1.activations.map((a: { kind: string; message: string | null }) => [a.kind, a.message]), [['activate', 'the retries misbehave'], ['apply', 'first']]);
      await assert.rejects(db.pool.query('delete from policy_activations'), /append-only/);
      assert.equal((await app.inject('/v1/policies/revisions/0123456789ab')).statusCode, 404);
      assert.equal((await post('/v1/policies/revisions/not-a-revision/activate')).statusCode, 400);
      const revisionPage = await app.inject(`/policies/revisions/${ids.v1}`);
      assert.match(revisionPage.body, /made active again<\/td><td>dana<\/td><td>the retries misbehave/);
      const policiesPage = await app.inject('/policies');
      assert.match(policiesPage.body, new RegExp(`<dt>From</dt><dd>stored revision <a href="/policies/revisions/${ids.v1}">`));
    });

    it('brings another replica to the active revision within its poll, and a new one starts on it', async () => {
      const other = await openPolicyStore(dir, createHashingEmbedder(256), { pool: db.pool, pollMs: 20 });
      try {
        assert.equal(other.current().revision, ids.v1);
        assert.equal((await post(`/v1/policies/revisions/${ids.v2}/activate`)).json().outcome, 'activated');
        const until = Date.now() + 3_000;
        while (other.current().revision !== ids.v2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        assert.equal(other.current().revision, ids.v2);
        assert.equal(other.loadedFrom().kind, 'revision');
      } finally {
        other.close();
      }
    });
  });
}
