import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createFakeMarquez, type FakeMarquez, type FakeMarquezOptions } from '../../src/fakes/marquez.ts';
import { openLineageAdapter } from '../../src/ingest/openlineage.ts';
import { defaultHttpDeps } from '../../src/remediation/http.ts';
import { pullCallFor } from '../../src/sources/call.ts';
import { MarquezConnection, PullSettings, type MarquezSource } from '../../src/sources/config.ts';
import { marquezPuller } from '../../src/sources/marquez.ts';
import type { Cursor, Puller, PullStep } from '../../src/sources/puller.ts';

type Json = Record<string, unknown>;
type Page = Extract<PullStep, { kind: 'page' }>;

const EXAMPLES = fileURLToPath(new URL('../../../shared/data/formats/openlineage/examples/', import.meta.url));
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});

/** What Marquez would store: a time, a run id and a job (templates and facet fragments are not). */
const storable = (e: unknown): e is Json =>
  !Number.isNaN(Date.parse(String(obj(e).eventTime))) && typeof obj(obj(e).run).runId === 'string'
  && typeof obj(obj(e).job).namespace === 'string' && typeof obj(obj(e).job).name === 'string';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? jsonFiles(path) : name.endsWith('.json') ? [path] : [];
  });
}

/** The shared examples, read in place; none when the reference data is not on this machine. */
function exampleEvents(): Json[] {
  if (!existsSync(EXAMPLES)) return [];
  return jsonFiles(EXAMPLES).flatMap((f) => [JSON.parse(readFileSync(f, 'utf8')) as unknown].flat()).filter(storable);
}

/** Events of our own, always there: a failure with its error, lineage, a tie on one millisecond, two namespaces. */
function ownEvents(): Json[] {
  const event = (eventType: string, eventTime: string, runId: string, job: string, facets: Json = {}, namespace = 'medic-test'): Json => ({
    eventType, eventTime, producer: 'https://example.com/medic-test', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent',
    run: { runId, facets }, job: { namespace, name: job },
    inputs: [{ namespace: 'postgres://db:5432', name: 'raw.orders' }], outputs: [{ namespace: 'postgres://db:5432', name: `mart.${job}` }],
  });
  const error = { errorMessage: { message: 'relation "raw.orders" does not exist', programmingLanguage: 'SQL', stackTrace: 'at load.sql:12' } };
  return [
    event('START', '2025-03-01T00:00:00Z', 'run-load-1', 'load'),
    event('FAIL', '2025-03-01T00:05:00.000Z', 'run-load-1', 'load', error),
    event('START', '2025-03-01T00:05:00Z', 'run-report-1', 'report'),
    event('COMPLETE', '2025-03-01T00:06:00Z', 'run-report-1', 'report'),
    event('START', '2025-03-01T00:07:00Z', 'run-other-1', 'other', {}, 'medic-other'),
    event('ABORT', '2025-03-01T00:08:00Z', 'run-other-1', 'other', {}, 'medic-other'),
    ...[2, 3, 4, 5].flatMap((day) => [
      event('START', `2025-03-0${day}T01:00:00Z`, `run-daily-${day}`, 'daily'),
      event('COMPLETE', `2025-03-0${day}T01:30:00Z`, `run-daily-${day}`, 'daily'),
    ]),
  ];
}

const SEED = [...exampleEvents(), ...ownEvents()];
const TOKEN = 'mq-secret-token-7f3a9c';
const since = new Date('2000-01-01T00:00:00Z');
const keyOf = (e: unknown): string => `${String(obj(obj(e).run).runId)}|${String(obj(e).eventType)}|${Date.parse(String(obj(e).eventTime))}`;
const pages = (steps: PullStep[]): Page[] => steps.filter((s): s is Page => s.kind === 'page');
const itemsOf = (steps: PullStep[]): Json[] => pages(steps).flatMap((p) => p.items.map(obj));

const fakes: FakeMarquez[] = [];
after(() => Promise.all(fakes.map((f) => f.close())));

async function marquez(options: FakeMarquezOptions & { pull?: Json; auth?: string; maxAttempts?: number } = {}): Promise<{ fake: FakeMarquez; puller: Puller }> {
  const fake = await createFakeMarquez(options);
  fakes.push(fake);
  fake.state.add(...SEED);
  const auth = options.auth === undefined ? { kind: 'none' } : { kind: 'bearer', token: options.auth };
  const source: MarquezSource = {
    ...MarquezConnection.parse({ source: 'marquez-test', kind: 'marquez', url: fake.url, auth, maxAttempts: options.maxAttempts ?? 3 }),
    pull: PullSettings.parse({ page_size: 4, rate_per_s: 1_000, ...options.pull }),
  };
  return { fake, puller: marquezPuller(source, pullCallFor(source, defaultHttpDeps())) };
}

async function drain(steps: AsyncIterator<PullStep>, into: PullStep[] = []): Promise<PullStep[]> {
  for (let r = await steps.next(); !r.done; r = await steps.next()) into.push(r.value);
  return into;
}
const pass = (puller: Puller, cursor: Cursor | null = null) => drain(puller.pull({ since, cursor, now: new Date() })[Symbol.asyncIterator]());

describe('the Marquez puller', () => {
  it('backfills every event Marquez holds, page by page, oldest first', async () => {
    const { fake, puller } = await marquez();
    const steps = await pass(puller);
    assert.deepEqual(steps.filter((s) => s.kind !== 'page'), []);
    assert.ok(pages(steps).length > 2);
    assert.deepEqual(new Set(itemsOf(steps).map(keyOf)), new Set(SEED.map(keyOf)));
    const times = itemsOf(steps).map((e) => Date.parse(String(e.eventTime)));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.equal(pages(steps)[0]?.total, SEED.length);
    for (const p of pages(steps)) assert.equal(p.newest?.getTime(), Math.max(...p.items.map((e) => Date.parse(String(obj(e).eventTime)))));
    const query = fake.calls[0]?.query ?? {};
    assert.deepEqual([fake.calls[0]?.path, query.sortDirection, query.after, query.limit], ['/api/v1/events/lineage', 'asc', since.toISOString(), '4']);
    assert.ok(Date.parse(query.before ?? '') < Date.now());
  });

  it('resumes from a cursor taken mid-way and leaves no gap', async () => {
    const { puller } = await marquez();
    const first = pages(await pass(puller));
    const stoppedAt = first[1];
    assert.ok(stoppedAt);
    const resumed = await pass(puller, stoppedAt.cursor);
    const seen = new Set([...first.slice(0, 2).flatMap((p) => p.items), ...itemsOf(resumed)].map(keyOf));
    assert.deepEqual(seen, new Set(SEED.map(keyOf)));
    // It starts at the cursor's time, not over: only the events on that very millisecond are read again.
    const from = Date.parse(String(stoppedAt.cursor.after));
    assert.ok(itemsOf(resumed).every((e) => Date.parse(String(e.eventTime)) >= from));
    assert.ok(first[0]?.items.some((e) => Date.parse(String(obj(e).eventTime)) < from));
  });

  it('sees events that land between two page calls, on the last time read and after it', async () => {
    const { fake, puller } = await marquez();
    const steps = puller.pull({ since, cursor: null, now: new Date() })[Symbol.asyncIterator]();
    const first = await steps.next();
    assert.ok(!first.done && first.value.kind === 'page');
    const lastTime = String(obj(first.value.items.at(-1)).eventTime);
    const late = [
      { ...ownEvents()[0], eventTime: lastTime, run: { runId: 'landed-on-the-watermark' } },
      { ...ownEvents()[0], eventTime: '2025-06-01T00:00:00Z', run: { runId: 'landed-later' } },
    ];
    // And one behind the watermark, which moves every later event one place down the list: none may be lost.
    const behind = { ...ownEvents()[0], eventTime: String(obj(first.value.items[0]).eventTime), run: { runId: 'landed-behind' } };
    fake.state.add(...late, behind);
    const rest = await drain(steps, [first.value]);
    const seen = new Set(itemsOf(rest).map(keyOf));
    for (const e of [...late, ...SEED]) assert.ok(seen.has(keyOf(e)), keyOf(e));
  });

  for (const eventsApi of ['paged', 'time-only'] as const) {
    it(`walks through a millisecond that holds more events than a page (${eventsApi === 'paged' ? 'Marquez 0.40 on, by offset' : 'Marquez 0.26 to 0.39, by a wider page'})`, async () => {
      const { fake, puller } = await marquez({ eventsApi });
      const crowd = Array.from({ length: 10 }, (_, i) => ({ ...ownEvents()[0], eventTime: '2025-04-01T00:00:00.123Z', run: { runId: `crowd-${i}` } }));
      fake.state.add(...crowd);
      const steps = await pass(puller);
      assert.deepEqual(steps.filter((s) => s.kind !== 'page'), []);
      assert.deepEqual(new Set(itemsOf(steps).map(keyOf)), new Set([...SEED, ...crowd].map(keyOf)));
      assert.equal(pages(steps)[0]?.total, eventsApi === 'paged' ? SEED.length + crowd.length : undefined);
      const widened = fake.calls.some((c) => Number(c.query.limit) > 4);
      assert.equal(widened, eventsApi === 'time-only');
    });
  }

  it('waits out a 429 for as long as its Retry-After asks', async () => {
    const { fake, puller } = await marquez();
    fake.failNext([{ status: 429, retryAfter: 1 }], { path: '/events/lineage' });
    const started = Date.now();
    const steps = await pass(puller);
    assert.ok(Date.now() - started >= 950);
    assert.deepEqual(steps.filter((s) => s.kind !== 'page'), []);
    assert.deepEqual(fake.calls[1]?.query, fake.calls[0]?.query);
    assert.deepEqual(new Set(itemsOf(steps).map(keyOf)), new Set(SEED.map(keyOf)));
  });

  it('stops at a 401 with a fatal failure', async () => {
    const { puller } = await marquez({ token: TOKEN, auth: 'not-the-token' });
    const steps = await pass(puller);
    assert.equal(steps.length, 1);
    assert.deepEqual(steps[0]?.kind === 'failed' && [steps[0].status, steps[0].fatal], [401, true]);
  });

  it('stops at a 5xx that outlasts its retries, to try again later', async () => {
    const { fake, puller } = await marquez({ maxAttempts: 1 });
    fake.failNext([503]);
    const steps = await pass(puller);
    assert.deepEqual(steps[0]?.kind === 'failed' && [steps[0].status, steps[0].fatal], [503, false]);
  });

  it('reports a page it cannot read, with the field, and goes on past it', async () => {
    const { fake, puller } = await marquez();
    const steps = puller.pull({ since, cursor: null, now: new Date() })[Symbol.asyncIterator]();
    const first = await steps.next();
    assert.ok(!first.done && first.value.kind === 'page');
    fake.failNext([{ status: 200, body: { rows: [] } }], { path: '/events/lineage' });
    const rest = await drain(steps);
    const malformed = rest[0];
    assert.ok(malformed?.kind === 'malformed');
    assert.equal(malformed.field, 'events');
    assert.deepEqual(malformed.cursor, { ...first.value.cursor, offset: Number(first.value.cursor.offset) + 4 });
    assert.ok(rest.slice(1).every((s) => s.kind === 'page'));
    assert.ok(itemsOf(rest).some((e) => keyOf(e) === keyOf(SEED.at(-1))), 'the events after the skipped page are still read');
  });

  it('keeps only the namespaces its globs name, and gives no count it cannot vouch for', async () => {
    const { puller } = await marquez({ pull: { namespaces: ['medic-t*', 'dbt-*'] } });
    const steps = await pass(puller);
    const kept = SEED.filter((e) => /^(medic-t|dbt-)/.test(String(obj(e.job).namespace)));
    assert.deepEqual(new Set(itemsOf(steps).map(keyOf)), new Set(kept.map(keyOf)));
    assert.ok(pages(steps).every((p) => p.total === undefined));
  });

  it('pages what the OpenLineage adapter ingests, failures keeping their error message', async () => {
    const { puller } = await marquez();
    const items = itemsOf(await pass(puller));
    const ctx = { source: 'marquez-test', timeZone: 'UTC', receivedAt: new Date() };
    for (const item of items) {
      const r = openLineageAdapter(item, ctx);
      assert.equal(r.kind, 'events', JSON.stringify(r));
      const facet = obj(obj(obj(item.run).facets).errorMessage);
      // The adapter reads the facet as the spec has it: a `stackTrace` sent as null (dbt) it leaves out.
      if (r.kind !== 'events' || typeof facet.message !== 'string' || facet.stackTrace === null) continue;
      assert.equal(r.events[0]?.error?.message, facet.message);
    }
    const failed = items.find((e) => obj(e.run).runId === 'run-load-1' && e.eventType === 'FAIL');
    const read = openLineageAdapter(failed, ctx);
    assert.ok(read.kind === 'events' && read.events[0]?.error?.message === 'relation "raw.orders" does not exist');
    assert.ok(read.kind === 'events' && read.events[0]?.lineage !== undefined);
  });

  it('never puts its token in a where or a detail', async () => {
    const { fake, puller } = await marquez({ token: TOKEN, auth: TOKEN, maxAttempts: 1 });
    fake.failNext([{ status: 200, body: { message: `token ${TOKEN}` } }, { status: 500, body: { code: 500, message: `rejected Bearer ${TOKEN}` } }]);
    const steps = [...await pass(puller), ...await pass(puller)];
    assert.ok(steps.some((s) => s.kind === 'failed'));
    for (const s of steps) assert.ok(!JSON.stringify(s.kind === 'page' ? s.where : s).includes(TOKEN), JSON.stringify(s));
  });
});

describe('the Marquez puller on a Marquez without the events API', () => {
  const started = (events: Json[]) => new Set(events.filter((e) => e.eventType !== undefined && e.eventType !== 'OTHER').map((e) => String(obj(e.run).runId)));

  it('walks namespaces, jobs and runs, and rebuilds each run’s events', async () => {
    const { fake, puller } = await marquez({ eventsApi: 'none' });
    const steps = await pass(puller);
    assert.deepEqual(steps.filter((s) => s.kind !== 'page'), []);
    const items = itemsOf(steps);
    assert.deepEqual(started(items), started(SEED));
    const ctx = { source: 'marquez-test', timeZone: 'UTC', receivedAt: new Date() };
    for (const item of items) assert.equal(openLineageAdapter(item, ctx).kind, 'events');
    const failed = items.find((e) => obj(e.run).runId === 'run-load-1' && e.eventType === 'FAIL');
    const read = openLineageAdapter(failed, ctx);
    assert.ok(read.kind === 'events' && read.events[0]?.error?.message === 'relation "raw.orders" does not exist');
    assert.deepEqual(read.kind === 'events' && read.events[0]?.eventTime.toISOString(), '2025-03-01T00:05:00.000Z');
    assert.deepEqual((failed?.inputs as Json[]).map((d) => d.name), ['raw.orders']);
    assert.ok(fake.calls.some((c) => c.path === '/api/v1/namespaces/medic-test/jobs/load/runs'));
    const last = pages(steps).at(-1);
    assert.deepEqual(last?.cursor.mode, 'events');
  });

  it('resumes the walk of runs where it stopped', async () => {
    const { puller } = await marquez({ eventsApi: 'none' });
    const first = pages(await pass(puller));
    const stoppedAt = first.findIndex((p) => p.cursor.mode === 'runs' && p.items.length > 0 && p.cursor.namespace !== '');
    const at = first[stoppedAt + 1];
    assert.ok(at && at.cursor.mode === 'runs');
    const resumed = await pass(puller, at.cursor);
    const seen = [...first.slice(0, stoppedAt + 2).flatMap((p) => p.items.map(obj)), ...itemsOf(resumed)];
    assert.deepEqual(started(seen), started(SEED));
  });
});
