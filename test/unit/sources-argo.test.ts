import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createFakeArgo, type FakeArgo, type FakeNode } from '../../src/fakes/argo.ts';
import { argoAdapter } from '../../src/ingest/argo.ts';
import { defaultHttpDeps } from '../../src/remediation/http.ts';
import { argoPuller } from '../../src/sources/argo.ts';
import { pullCallFor } from '../../src/sources/call.ts';
import { PullSettings, type ArgoSource } from '../../src/sources/config.ts';
import type { Cursor, PullStep } from '../../src/sources/puller.ts';

const TOKEN = 'sa-token-7f3a9c2e-do-not-log';
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
const ctx = { source: 'argo-test', timeZone: 'UTC', receivedAt: new Date() };
const pod = (id: string, phase: string): FakeNode => ({ id, name: `${id}.main`, displayName: 'main', type: 'Pod', templateName: 'main', phase });

function sourceFor(url: string, pull: Partial<PullSettings> = {}, limits: Partial<Pick<ArgoSource, 'maxAttempts' | 'maxTotalMs' | 'token'>> = {}): ArgoSource {
  return {
    source: 'argo-test', kind: 'argo', url, token: TOKEN, timeoutMs: 2_000, maxAttempts: 3, maxTotalMs: 5_000, ...limits,
    pull: PullSettings.parse({ rate_per_s: 1_000, ...pull }),
  };
}

// Every step any test saw: none may carry the token.
const seen: PullStep[] = [];

async function pass(source: ArgoSource, cursor: Cursor | null = null, since = new Date(Date.now() - 90 * 24 * HOUR)): Promise<PullStep[]> {
  const steps: PullStep[] = [];
  for await (const s of argoPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since, cursor, now: new Date() })) steps.push(s);
  seen.push(...steps);
  return steps;
}

const pages = (steps: PullStep[]) => steps.filter((s): s is Extract<PullStep, { kind: 'page' }> => s.kind === 'page');
const names = (steps: PullStep[]) => pages(steps).flatMap((p) => p.items.map((i) => (i as { metadata: { name: string } }).metadata.name)).sort();
const lastCursor = (steps: PullStep[]) => [...steps].reverse().find((s) => s.kind !== 'failed') as { cursor: Cursor };

/** Every item ingests through the Argo adapter into at least one event. */
function assertIngests(steps: PullStep[]): void {
  for (const item of pages(steps).flatMap((p) => p.items)) {
    const r = argoAdapter(item, ctx);
    assert.equal(r.kind, 'events', JSON.stringify(r));
    assert.ok(r.kind === 'events' && r.events.length > 0);
  }
}

describe('the Argo puller', () => {
  let argo: FakeArgo;
  beforeEach(async () => {
    argo = await createFakeArgo({ token: TOKEN });
  });
  afterEach(() => argo.close());

  it('backfills every namespace through the all-namespace listing, page by page, with the nodes the adapter reads', async () => {
    for (const [ns, n] of [['ml', 4], ['etl', 3]] as const) {
      for (let i = 0; i < n; i += 1) argo.addWorkflow({ namespace: ns, name: `${ns}-wf-${i}`, phase: 'Failed', nodes: [pod(`${ns}-wf-${i}-1`, 'Failed')] });
    }
    const steps = await pass(sourceFor(argo.url, { page_size: 3 }));
    assert.deepEqual(names(steps), ['etl-wf-0', 'etl-wf-1', 'etl-wf-2', 'ml-wf-0', 'ml-wf-1', 'ml-wf-2', 'ml-wf-3']);
    const listings = argo.calls.filter((c) => c.path === '/api/v1/workflows/');
    assert.equal(listings.length, 3);
    assert.ok(listings.every((c) => c.query['listOptions.limit'] === '3' && c.query.fields?.includes('items.status.nodes')));
    assert.ok(listings.slice(1).every((c) => (c.query['listOptions.continue'] ?? '') !== ''));
    assertIngests(steps);
    const events = pages(steps).flatMap((p) => p.items).flatMap((i) => { const r = argoAdapter(i, ctx); return r.kind === 'events' ? r.events : []; });
    assert.ok(events.some((e) => e.job.name.endsWith('.main') && e.eventType === 'failed'), 'the steps come through');
    assert.deepEqual(lastCursor(steps).cursor.at, { phase: 'done' });
  });

  it('skips workflows that finished before since on the first pass, but not one still running', async () => {
    argo.addWorkflow({ namespace: 'ml', name: 'old-done', phase: 'Succeeded', startedAt: ago(100 * 24 * HOUR), finishedAt: ago(99 * 24 * HOUR) });
    argo.addWorkflow({ namespace: 'ml', name: 'old-running', phase: 'Running', startedAt: ago(100 * 24 * HOUR) });
    argo.addWorkflow({ namespace: 'ml', name: 'recent', phase: 'Succeeded' });
    assert.deepEqual(names(await pass(sourceFor(argo.url))), ['old-running', 'recent']);
  });

  it('reads only the namespaces named, in the live listing and the archive', async () => {
    argo.addWorkflow({ namespace: 'ml', name: 'kept', phase: 'Running' });
    argo.addWorkflow({ namespace: 'etl', name: 'other', phase: 'Running' });
    argo.addWorkflow({ namespace: 'ml', name: 'kept-archived', phase: 'Failed' });
    argo.archive('ml', 'kept-archived');
    argo.addWorkflow({ namespace: 'etl', name: 'other-archived', phase: 'Failed' });
    argo.archive('etl', 'other-archived');
    const steps = await pass(sourceFor(argo.url, { namespaces: ['ml'] }));
    assert.deepEqual(names(steps), ['kept', 'kept-archived']);
    assert.ok(argo.calls.every((c) => c.path.startsWith('/api/v1/workflows/ml') || c.path.startsWith('/api/v1/archived-workflows')));
    assert.ok(argo.calls.filter((c) => c.path === '/api/v1/archived-workflows').every((c) => c.query['listOptions.fieldSelector']?.startsWith('metadata.namespace=ml,')));
  });

  it('resumes from a cursor taken part way through with no gap', async () => {
    for (let i = 0; i < 7; i += 1) argo.addWorkflow({ namespace: 'ml', name: `wf-${i}`, phase: 'Succeeded' });
    const source = sourceFor(argo.url, { page_size: 2 });
    const full = await pass(source);
    const [first] = pages(full);
    assert.ok(first);
    const resumed = await pass(source, first.cursor);
    assert.deepEqual([...new Set([...names([first]), ...names(resumed)])].sort(), names(full));
  });

  it('sees a workflow created between two pages: ahead of the listing in this pass, behind it in the next', async () => {
    for (let i = 0; i < 6; i += 1) argo.addWorkflow({ namespace: 'ml', name: `wf-${i}`, phase: 'Running' });
    const source = sourceFor(argo.url, { page_size: 2 });
    const steps: PullStep[] = [];
    let added = false;
    for await (const s of argoPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since: new Date(Date.now() - HOUR), cursor: null, now: new Date() })) {
      steps.push(s);
      if (added) continue;
      argo.addWorkflow({ namespace: 'ml', name: 'wf-9-ahead', phase: 'Running' });
      argo.addWorkflow({ namespace: 'ml', name: 'wf-0a-behind', phase: 'Succeeded' });
      added = true;
    }
    assert.ok(names(steps).includes('wf-9-ahead'));
    assert.ok(!names(steps).includes('wf-0a-behind'), 'behind the listing: not in this pass');
    const next = await pass(source, lastCursor(steps).cursor);
    assert.ok(names(next).includes('wf-0a-behind'));
  });

  it('re-reads on the next pass what can have changed: the running workflow that finished since, not the one long done', async () => {
    argo.addWorkflow({ namespace: 'ml', name: 'long-done', phase: 'Succeeded', startedAt: ago(3 * HOUR), finishedAt: ago(2 * HOUR) });
    argo.addWorkflow({ namespace: 'ml', name: 'running', phase: 'Running', nodes: [pod('running-1', 'Running')] });
    const source = sourceFor(argo.url);
    const first = await pass(source);
    assert.deepEqual(names(first), ['long-done', 'running']);
    argo.complete('ml', 'running', 'Failed');
    const second = await pass(source, lastCursor(first).cursor);
    assert.deepEqual(names(second), ['running']);
    const [wf] = pages(second).flatMap((p) => p.items) as { status: { phase: string } }[];
    assert.equal(wf?.status.phase, 'Failed');
  });

  it('finds in the archive a workflow that was running at the last pass and has been archived and deleted since', async () => {
    argo.addWorkflow({ namespace: 'ml', name: 'nightly', phase: 'Running', startedAt: ago(5 * HOUR), nodes: [pod('nightly-1', 'Running')] });
    const source = sourceFor(argo.url);
    const first = await pass(source);
    argo.complete('ml', 'nightly', 'Failed');
    argo.archive('ml', 'nightly');
    const second = await pass(source, lastCursor(first).cursor);
    assert.deepEqual(names(second), ['nightly']);
    const [wf] = pages(second).flatMap((p) => p.items) as { status: { phase: string; nodes?: Record<string, unknown> } }[];
    assert.equal(wf?.status.phase, 'Failed');
    assert.ok(wf?.status.nodes && Object.keys(wf.status.nodes).length === 1, 'read whole, nodes and all');
    assertIngests(second);
  });

  for (const archiveBounds of ['inclusive', 'strict'] as const) {
    it(`walks archived workflows page by page, through more started in one second than fit a page (${archiveBounds} time bounds)`, async () => {
      await argo.close();
      argo = await createFakeArgo({ token: TOKEN, archiveBounds });
      const second = ago(6 * HOUR);
      for (let i = 0; i < 5; i += 1) {
        argo.addWorkflow({ namespace: 'ml', name: `same-${i}`, phase: 'Succeeded', startedAt: second, finishedAt: ago(5 * HOUR), nodes: [pod(`same-${i}-1`, 'Succeeded')] });
        argo.archive('ml', `same-${i}`);
      }
      // One second later: a bound read inclusively must not let it shift the walk through `second`.
      argo.addWorkflow({ namespace: 'ml', name: 'next-second', phase: 'Failed', startedAt: new Date(Date.parse(second) + 1000).toISOString().replace('.000Z', 'Z') });
      argo.archive('ml', 'next-second');
      for (let i = 0; i < 3; i += 1) {
        argo.addWorkflow({ namespace: 'ml', name: `later-${i}`, phase: 'Failed', startedAt: ago((3 - i) * HOUR) });
        argo.archive('ml', `later-${i}`);
      }
      argo.addWorkflow({ namespace: 'ml', name: 'too-old', phase: 'Failed', startedAt: ago(200 * 24 * HOUR), finishedAt: ago(199 * 24 * HOUR) });
      argo.archive('ml', 'too-old');
      const steps = await pass(sourceFor(argo.url, { page_size: 2 }));
      assert.deepEqual([...new Set(names(steps))], ['later-0', 'later-1', 'later-2', 'next-second', 'same-0', 'same-1', 'same-2', 'same-3', 'same-4']);
      assert.ok(argo.calls.some((c) => c.path.startsWith('/api/v1/archived-workflows/')), 'each emitted workflow is read whole');
      assertIngests(steps);
    });
  }

  it('ends an Argo 3.5+ listing where it reaches the archived workflows, which the archive phase reads', async () => {
    const live = { metadata: { name: 'live', namespace: 'ml', uid: 'u1', resourceVersion: '42' }, status: { phase: 'Running', startedAt: ago(HOUR) } };
    const summary = { metadata: { name: 'archived', namespace: 'ml', uid: 'u2' }, status: { phase: 'Succeeded', startedAt: ago(2 * HOUR), finishedAt: ago(HOUR) } };
    argo.failNext([{ status: 200, body: { metadata: { continue: '2' }, items: [live, summary] } }], { path: '/api/v1/workflows/ml' });
    const steps = await pass(sourceFor(argo.url, { namespaces: ['ml'], page_size: 2 }));
    assert.ok(names(steps).includes('live'));
    assert.deepEqual(argo.calls.map((c) => c.path), ['/api/v1/workflows/ml', '/api/v1/archived-workflows']);
  });

  it('restarts a listing whose continue token expired (400 from Argo Server, or 410 from Kubernetes)', async () => {
    for (let i = 0; i < 5; i += 1) argo.addWorkflow({ namespace: 'ml', name: `wf-${i}`, phase: 'Running' });
    const source = sourceFor(argo.url, { page_size: 2, namespaces: ['ml'] });
    for (const expire of [() => argo.expireContinueTokens(), () => argo.failNext([{ status: 410, body: { code: 410, message: 'continue token expired' } }])]) {
      const before = argo.calls.length;
      const steps: PullStep[] = [];
      let first = true;
      for await (const s of argoPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since: new Date(Date.now() - HOUR), cursor: null, now: new Date() })) {
        steps.push(s);
        if (first) expire();
        first = false;
      }
      assert.ok(steps.every((s) => s.kind === 'page'), JSON.stringify(steps.filter((s) => s.kind !== 'page')));
      assert.deepEqual([...new Set(names(steps))], ['wf-0', 'wf-1', 'wf-2', 'wf-3', 'wf-4']);
      // The first page, the refused token, then the listing again from its start.
      const listed = argo.calls.slice(before).filter((c) => c.path === '/api/v1/workflows/ml');
      assert.deepEqual(listed.map((c) => c.query['listOptions.continue'] === undefined), [true, false, true, false, false]);
    }
  });

  it('waits out a 429 for as long as Retry-After asks', async () => {
    argo.addWorkflow({ namespace: 'ml', name: 'wf', phase: 'Running' });
    argo.failNext([{ status: 429, retryAfter: 1, body: { code: 8, message: 'slow down' } }]);
    const steps = await pass(sourceFor(argo.url, { namespaces: ['ml'] }));
    assert.deepEqual(names(steps), ['wf']);
    const [refused, retried] = argo.calls;
    assert.ok(refused && retried && retried.receivedAt - refused.receivedAt >= 950);
  });

  it('ends the pass on refused credentials, fatally, without the token in what it says', async () => {
    const steps = await pass(sourceFor(argo.url, {}, { token: 'wrong-token' }));
    assert.equal(steps.length, 1);
    assert.deepEqual({ ...steps[0], detail: undefined, where: undefined }, { kind: 'failed', status: 401, fatal: true, detail: undefined, where: undefined });
  });

  it('redacts the token from an error a proxy echoes back, and a 5xx is not fatal', async () => {
    argo.failNext([{ status: 502, body: { message: `upstream refused Bearer ${TOKEN}` } }]);
    const [step] = await pass(sourceFor(argo.url, {}, { maxAttempts: 1 }));
    assert.equal(step?.kind, 'failed');
    assert.ok(step?.kind === 'failed' && !step.fatal && step.detail.includes('[redacted]') && !step.detail.includes(TOKEN));
  });

  it('records a malformed page and goes on, and the next pass reads again what that page held', async () => {
    for (let i = 0; i < 3; i += 1) argo.addWorkflow({ namespace: 'ml', name: `wf-${i}`, phase: 'Succeeded' });
    argo.failNext([{ status: 200, body: { metadata: {}, items: 'not a list' } }], { path: '/api/v1/workflows/' });
    const source = sourceFor(argo.url, { namespaces: ['ml'] });
    const steps = await pass(source);
    assert.equal(steps[0]?.kind, 'malformed');
    assert.ok(steps[0]?.kind === 'malformed' && steps[0].field === 'items');
    assert.ok(steps.slice(1).some((s) => s.kind === 'page'), 'the pass goes on to the archive');
    const next = await pass(source, lastCursor(steps).cursor);
    assert.deepEqual(names(next), ['wf-0', 'wf-1', 'wf-2']);
  });

  it('emits the workflows of a page and records the item that is not one', async () => {
    argo.failNext([{ status: 200, body: { metadata: {}, items: [{ metadata: { name: 'fine', namespace: 'ml' }, status: { phase: 'Running' } }, { spec: {} }] } }]);
    const steps = await pass(sourceFor(argo.url, { namespaces: ['ml'] }));
    assert.deepEqual(names(steps), ['fine']);
    assert.ok(steps.some((s) => s.kind === 'malformed' && s.field === 'items[1].metadata.name'));
  });

  it('never puts a credential in a step', () => {
    assert.ok(seen.length > 20);
    for (const s of seen) {
      const text = JSON.stringify({ where: 'where' in s ? s.where : '', detail: 'detail' in s ? s.detail : '', cursor: 'cursor' in s ? s.cursor : '' });
      assert.ok(!text.includes(TOKEN), text);
    }
  });
});
