import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createFakeControlm, ctmTime, type FakeControlm, type FakeJob } from '../../src/fakes/controlm.ts';
import { controlmAdapter } from '../../src/ingest/controlm.ts';
import { defaultHttpDeps } from '../../src/remediation/http.ts';
import { pullCallFor } from '../../src/sources/call.ts';
import { PullSettings, type ControlmSource } from '../../src/sources/config.ts';
import { controlmPuller } from '../../src/sources/controlm.ts';
import type { Cursor, PullStep } from '../../src/sources/puller.ts';

const KEY = 'ctm-api-key-9d41e7-do-not-log';
const PASSWORD = 'ctm-password-51c0-do-not-log';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ctx = { source: 'ctm-test', timeZone: 'UTC', receivedAt: new Date() };
const orderDate = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(2, 10).replace(/-/g, '');
const at = (msAgo: number) => ctmTime(new Date(Date.now() - msAgo));

type Auth = ControlmSource['auth'];
function sourceFor(url: string, pull: Partial<PullSettings> = {}, auth: Auth = { kind: 'api-key', key: KEY }, maxAttempts = 3): ControlmSource {
  return { source: 'ctm-test', kind: 'controlm', url, auth, timeoutMs: 2_000, maxAttempts, maxTotalMs: 5_000, pull: PullSettings.parse({ rate_per_s: 1_000, ...pull }) };
}

// Every step any test saw: none may carry a credential.
const seen: PullStep[] = [];

async function pass(source: ControlmSource, cursor: Cursor | null = null, since = new Date(Date.now() - 90 * DAY)): Promise<PullStep[]> {
  const steps: PullStep[] = [];
  for await (const s of controlmPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since, cursor, now: new Date() })) steps.push(s);
  seen.push(...steps);
  return steps;
}

const pages = (steps: PullStep[]) => steps.filter((s): s is Extract<PullStep, { kind: 'page' }> => s.kind === 'page');
const ids = (steps: PullStep[]) => [...new Set(pages(steps).flatMap((p) => p.items.map((i) => (i as FakeJob).jobId)))].sort();
const lastCursor = (steps: PullStep[]) => [...steps].reverse().find((s) => s.kind !== 'failed') as { cursor: Cursor };

/** An ended job: ordered `daysAgo`, started two hours before it ended `endedAgo` ago. */
function ended(ctm: FakeControlm, id: string, job: Partial<FakeJob> & { daysAgo?: number; endedAgo?: number } = {}): FakeJob {
  const { daysAgo = 0, endedAgo = 30 * 60_000, ...rest } = job;
  return ctm.addJob({ jobId: `ctm:${id}`, name: `JOB_${id}`, folder: 'Payroll', status: 'Ended OK', orderDate: orderDate(daysAgo * DAY), startTime: at(endedAgo + 2 * HOUR), endTime: at(endedAgo), ...rest });
}

function assertIngests(steps: PullStep[]): void {
  const items = pages(steps).flatMap((p) => p.items);
  const r = controlmAdapter({ statuses: items }, ctx);
  assert.equal(r.kind, 'events', JSON.stringify(r));
  assert.equal(r.kind === 'events' ? r.events.length : 0, items.length);
}

describe('the Control-M puller', () => {
  let ctm: FakeControlm;
  beforeEach(async () => {
    ctm = await createFakeControlm({ apiKey: KEY });
  });
  afterEach(() => ctm.close());

  it('backfills every job, narrowing by order date then status when an answer is cut short', async () => {
    const statuses = ['Ended OK', 'Ended Not OK', 'Executing'];
    for (let i = 0; i < 30; i += 1) {
      const status = statuses[Math.floor(i / 3) % 3] ?? 'Ended OK';
      ended(ctm, `a${String(i).padStart(2, '0')}`, { daysAgo: i % 3, status, ...(status === 'Executing' ? { endTime: '' } : {}) });
    }
    const steps = await pass(sourceFor(ctm.url, { page_size: 8 }));
    assert.equal(ids(steps).length, 30);
    assert.ok(steps.every((s) => s.kind === 'page'), JSON.stringify(steps.filter((s) => s.kind !== 'page')));
    const queries = ctm.calls.map((c) => c.query);
    assert.ok(queries.every((q) => q.limit === '8'));
    assert.ok(queries.some((q) => q.orderDateFrom !== undefined && q.orderDateFrom === q.orderDateTo), 'narrowed to one day');
    assert.ok(pages(steps).every((p) => p.items.length <= 8));
    assertIngests(steps);
    assert.deepEqual((lastCursor(steps).cursor as { todo: unknown[] }).todo, []);
  });

  it('narrows as well when the server holds its answers below the limit asked', async () => {
    await ctm.close();
    ctm = await createFakeControlm({ apiKey: KEY, maxLimit: 4 });
    for (let i = 0; i < 10; i += 1) ended(ctm, `b${i}`, { daysAgo: i % 2, status: i % 4 < 2 ? 'Ended OK' : 'Ended Not OK' });
    assert.equal(ids(await pass(sourceFor(ctm.url, { page_size: 100 }))).length, 10);
  });

  it('reports a slice it cannot narrow further, and what of it came back', async () => {
    for (let i = 0; i < 7; i += 1) ended(ctm, `c${i}`);
    const steps = await pass(sourceFor(ctm.url, { page_size: 5 }));
    assert.equal(ids(steps).length, 5);
    const report = steps.find((s) => s.kind === 'malformed');
    assert.ok(report?.kind === 'malformed' && report.field === 'total' && /5 of 7 jobs/.test(report.detail), JSON.stringify(report));
  });

  it('skips jobs ordered before since on the first pass', async () => {
    ended(ctm, 'old', { daysAgo: 100 });
    ended(ctm, 'new');
    assert.deepEqual(ids(await pass(sourceFor(ctm.url))), ['ctm:new']);
  });

  it('reads only the folders configured, asking the server for each glob', async () => {
    ended(ctm, 'p1', { folder: 'Payroll' });
    ended(ctm, 'p2', { folder: 'PayrollEU' });
    ended(ctm, 'o1', { folder: 'Other' });
    const steps = await pass(sourceFor(ctm.url, { namespaces: ['Pay*'] }));
    assert.deepEqual(ids(steps), ['ctm:p1', 'ctm:p2']);
    assert.ok(ctm.calls.every((c) => c.query.folder === 'Pay*'));
  });

  it('resumes from a cursor taken part way through with no gap', async () => {
    for (const folder of ['A', 'B', 'C']) for (let i = 0; i < 3; i += 1) ended(ctm, `${folder}${i}`, { folder });
    const source = sourceFor(ctm.url, { namespaces: ['A', 'B', 'C'] });
    const full = await pass(source);
    const [first] = pages(full);
    assert.ok(first && ids(full).length === 9);
    const resumed = await pass(source, first.cursor);
    assert.deepEqual([...new Set([...ids([first]), ...ids(resumed)])].sort(), ids(full));
  });

  it('sees a job ordered between two answers: in a slice not read yet at once, in one read already on the next pass', async () => {
    ended(ctm, 'A0', { folder: 'A' });
    ended(ctm, 'B0', { folder: 'B' });
    const source = sourceFor(ctm.url, { namespaces: ['A', 'B'] });
    const steps: PullStep[] = [];
    for await (const s of controlmPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since: new Date(Date.now() - DAY), cursor: null, now: new Date() })) {
      if (steps.length === 0) {
        ctm.addJob({ jobId: 'ctm:B1', name: 'LATE_B', folder: 'B', status: 'Executing', orderDate: orderDate(0), startTime: at(0) });
        ctm.addJob({ jobId: 'ctm:A1', name: 'LATE_A', folder: 'A', status: 'Executing', orderDate: orderDate(0), startTime: at(0) });
      }
      steps.push(s);
    }
    assert.deepEqual(ids(steps), ['ctm:A0', 'ctm:B0', 'ctm:B1']);
    assert.ok(ids(await pass(source, lastCursor(steps).cursor)).includes('ctm:A1'));
  });

  it('emits on the next pass what changed since: the job that ended, not the one long done', async () => {
    ended(ctm, 'done', { endedAgo: 3 * HOUR });
    ctm.addJob({ jobId: 'ctm:run', name: 'RUNNING', folder: 'Payroll', status: 'Executing', orderDate: orderDate(0), startTime: at(60_000) });
    const source = sourceFor(ctm.url);
    const first = await pass(source);
    assert.deepEqual(ids(first), ['ctm:done', 'ctm:run']);
    ctm.complete('ctm:run', 'Ended Not OK');
    const second = await pass(source, lastCursor(first).cursor);
    assert.deepEqual(ids(second), ['ctm:run']);
    assert.equal((pages(second)[0]?.items[0] as FakeJob).status, 'Ended Not OK');
    assertIngests(second);
  });

  it('waits out a 429 for as long as Retry-After asks', async () => {
    ended(ctm, 'x');
    ctm.failNext([{ status: 429, retryAfter: 1, body: { errors: [{ message: 'Too many requests' }] } }]);
    assert.deepEqual(ids(await pass(sourceFor(ctm.url))), ['ctm:x']);
    const [refused, retried] = ctm.calls;
    assert.ok(refused && retried && retried.receivedAt - refused.receivedAt >= 950);
  });

  it('ends the pass on refused credentials, fatally: an API key, or a session login', async () => {
    for (const auth of [{ kind: 'api-key', key: 'wrong-key' }, { kind: 'session', username: 'emuser', password: PASSWORD }] as Auth[]) {
      const steps = await pass(sourceFor(ctm.url, {}, auth));
      assert.equal(steps.length, 1);
      assert.ok(steps[0]?.kind === 'failed' && steps[0].fatal && steps[0].status === 401, JSON.stringify(steps[0]));
    }
  });

  it('redacts a key a proxy echoes back, and a 5xx is not fatal', async () => {
    ctm.failNext([{ status: 502, body: { errors: [{ message: `bad gateway for x-api-key ${KEY}` }] } }]);
    const [step] = await pass(sourceFor(ctm.url, {}, undefined, 1));
    assert.ok(step?.kind === 'failed' && !step.fatal && step.detail.includes('[redacted]'), JSON.stringify(step));
  });

  it('records a malformed answer and goes on, and the next pass reads again what it held', async () => {
    ended(ctm, 'A0', { folder: 'A' });
    ended(ctm, 'B0', { folder: 'B' });
    const source = sourceFor(ctm.url, { namespaces: ['A', 'B'] });
    ctm.failNext([{ status: 200, body: { statuses: 'none', returned: 1, total: 1 } }]);
    const steps = await pass(source);
    assert.ok(steps[0]?.kind === 'malformed' && steps[0].field === 'statuses');
    assert.deepEqual(ids(steps), ['ctm:B0'], 'the pass goes on');
    assert.ok(ids(await pass(source, lastCursor(steps).cursor)).includes('ctm:A0'));
  });

  it('emits the jobs of an answer and records the item that is not one', async () => {
    ctm.failNext([{ status: 200, body: { statuses: [{ jobId: 'ctm:ok', name: 'OK', folder: 'F', status: 'Executing', startTime: at(0) }, { name: 'NO_ID' }], returned: 2, total: 2 } }]);
    const steps = await pass(sourceFor(ctm.url));
    assert.deepEqual(ids(steps), ['ctm:ok']);
    assert.ok(steps.some((s) => s.kind === 'malformed' && s.field === 'statuses[1].jobId'));
  });

  it('never puts a credential in a step', () => {
    assert.ok(seen.length > 20);
    for (const s of seen) {
      const text = JSON.stringify({ where: 'where' in s ? s.where : '', detail: 'detail' in s ? s.detail : '', cursor: 'cursor' in s ? s.cursor : '' });
      assert.ok(!text.includes(KEY) && !text.includes(PASSWORD), text);
    }
  });
});
