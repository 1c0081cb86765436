import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { checkEmbedder, reindex } from '../../src/signatures/embedder-state.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { createOpenAIEmbedder } from '../../src/signatures/openai-embedder.ts';
import { analyseFailure } from '../../src/incidents/analyse.ts';
import { ingest } from '../../src/ingest/ingest.ts';
import { similarSignatures } from '../../src/incidents/read-sql.ts';
import { testDeps } from '../support/deps.ts';
import { testStores } from '../support/stores.ts';

/** A local server speaking OpenAI's `POST /v1/embeddings`, answering with hashed vectors. */
function fakeOpenAI(dimensions: number): { server: Server; requests: { model: string; input: string[]; auth: string }[] } {
  const requests: { model: string; input: string[]; auth: string }[] = [];
  const local = createHashingEmbedder(dimensions);
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; input: string[]; dimensions: number };
    if (req.url !== '/v1/embeddings') {
      res.writeHead(404).end();
      return;
    }
    requests.push({ model: body.model, input: body.input, auth: req.headers.authorization ?? '' });
    const vectors = await local.embed(body.input);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      object: 'list', model: body.model, usage: { prompt_tokens: 3, total_tokens: 3 },
      data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    }));
  });
  return { server, requests };
}

describe('embedders', () => {
  const fake = fakeOpenAI(64);
  let baseURL = '';
  before(async () => {
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    baseURL = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((r) => fake.server.close(() => r())));

  it('embeds through an OpenAI-compatible endpoint with the configured model and key', async () => {
    const e = createOpenAIEmbedder({ baseURL, apiKey: 'sk-local', model: 'text-embedding-3-small', dimensions: 64 });
    const [v] = await e.embed(['Connection to <*> refused']);
    assert.equal(v?.length, 64);
    assert.deepEqual(fake.requests.at(-1), { model: 'text-embedding-3-small', input: ['Connection to <*> refused'], auth: 'Bearer sk-local' });
    assert.equal(e.id, 'openai:text-embedding-3-small:64');
  });

  for (const store of testStores()) {
    it(`re-embeds every signature when the embedder changes (${store.name})`, async () => {
      const db = await store.open();
      try {
        const deps = testDeps(db);
        assert.equal((await checkEmbedder(db.pool, deps.embedder)).kind, 'recorded-now');
        await ingest(deps, { orchestrator: 'generic', timeZone: 'UTC', receivedAt: new Date(), items: [
          { job: { namespace: 'n', name: 'j' }, run: { id: 'r1' }, type: 'failed', time: '2026-01-01T00:00:00Z', error: { message: 'Connection to 10.0.0.1:5432 refused' } },
        ] });
        const run = (await db.pool.query('select id from runs limit 1')).rows[0].id as number;
        await analyseFailure({ pool: db.pool, signatures: deps.signatures, embedder: deps.embedder, log: deps.log, stormWindowMs: 0 }, run);
        const next = createOpenAIEmbedder({ baseURL, apiKey: 'sk-local', model: 'text-embedding-3-small', dimensions: 64 });
        assert.equal((await checkEmbedder(db.pool, next)).kind, 'stale');
        assert.deepEqual(await reindex(db.pool, next), { signatures: 1 });
        assert.equal((await checkEmbedder(db.pool, next)).kind, 'current');
        const [q] = await next.embed(['Connection to <*>:<*> refused']);
        const found = await similarSignatures(db.pool, q ?? [], 5, 0.5);
        assert.equal(found.length, 1);
        assert.ok((found[0]?.similarity ?? 0) > 0.9);
        await deps.queue.close();
      } finally {
        await db.close();
      }
    });
  }
});
