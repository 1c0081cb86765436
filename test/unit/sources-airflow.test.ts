import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { syntheticHistory } from '../../src/fakes/airflow-history.ts';
import { airflowAdapter } from '../../src/ingest/airflow.ts';
import { defaultHttpDeps, type HttpDeps } from '../../src/remediation/http.ts';
import { airflowPuller } from '../../src/sources/airflow.ts';
import { pullCallFor } from '../../src/sources/call.ts';
import { PullSettings, type AirflowSource } from '../../src/sources/config.ts';
import type { Cursor, PullStep } from '../../src/sources/puller.ts';

const USER = 'medic-reader';
const PASSWORD = 'pw-9f3kQ!x7';
const T0 = Date.parse('2026-03-02T12:00:00.000Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const since = new Date(T0 - 86_400_000);

type Api = 'v1' | 'v2';
type Obj = Record<string, unknown>;
type Page = Extract<PullStep, { kind: 'page' }>;

function sourceFor(fake: FakeAirflow, api: Api, pull: Partial<PullSettings> = {}, password = PASSWORD): AirflowSource {
  return {
    source: 'airflow-prod', kind: 'airflow', url: fake.url, api,
    auth: api === 'v1' ? { kind: 'basic', username: USER, password } : { kind: 'password', username: USER, password },
    timeoutMs: 2_000, maxAttempts: 3, maxTotalMs: 10_000,
    pull: PullSettings.parse({ page_size: 3, rate_per_s: 10_000, concurrency: 4, ...pull }),
  };
}

/** Every step of one pull; no step may carry a credential, whatever went wrong. */
async function pull(fake: FakeAirflow, source: AirflowSource, req: { cursor?: Cursor | null; now?: number; since?: Date }, deps: HttpDeps = defaultHttpDeps(), onPage?: (p: Page) => void): Promise<PullStep[]> {
  const steps: PullStep[] = [];
  const puller = airflowPuller(source, pullCallFor(source, deps));
  for await (const step of puller.pull({ since: req.since ?? since, cursor: req.cursor ?? null, now: new Date(req.now ?? T0) })) {
    steps.push(step);
    if (step.kind === 'page') onPage?.(step);
  }
  const said = JSON.stringify(steps.map((s) => (s.kind === 'page' ? { where: s.where } : s)));
  const secrets = [PASSWORD, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), ...fake.calls.map((c) => (c.headers.authorization ?? '').replace(/^Bearer /, '')).filter((t) => t.length > 20)];
  for (const secret of secrets) assert.ok(!said.includes(secret), `a step carries a credential: ${said}`);
  return steps;
}

const pages = (steps: PullStep[]) => steps.filter((s): s is Page => s.kind === 'page');
const items = (steps: PullStep[]) => pages(steps).flatMap((p) => p.items as Obj[]);
const tiKey = (t: Obj) => `${String(t.dag_id)}/${String(t.dag_run_id)}/${String(t.task_id)}#${String(t.try_number)}`;
const tiKeys = (steps: PullStep[]) => new Set(items(steps).filter((i) => 'task_id' in i).map(tiKey));
const runKeys = (steps: PullStep[]) => new Set(items(steps).filter((i) => !('task_id' in i)).map((r) => `${String(r.dag_id)}/${String(r.dag_run_id)}`));
const listCalls = (fake: FakeAirflow, from = 0) => fake.calls.slice(from).filter((c) => /\/dags\/~\/dagRuns(\/~\/taskInstances)?$/.test(c.path) && c.query.updated_at_gte);

/** Ten finished task instances in two DAGs, one a minute from T0 - 30 min, and one too old to pull. */
function seed(fake: FakeAirflow, at: (ms: number) => void): string[] {
  at(T0 - 2 * 86_400_000);
  fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'scheduled__old', task_id: 'extract', state: 'success' });
  const keys: string[] = [];
  for (let i = 0; i < 10; i += 1) {
    const t = T0 - 30 * MIN + i * MIN + 137;
    at(t);
    const dag = i % 2 === 0 ? 'finance_close' : 'sales_daily';
    const run = `scheduled__2026-03-0${1 + (i % 4 < 2 ? 0 : 1)}T00:00:00+00:00`;
    const ti = fake.state.addTaskInstance({ dag_id: dag, dag_run_id: run, task_id: `task_${i}`, state: 'success', start_date: iso(t - MIN), end_date: iso(t) });
    keys.push(tiKey(ti as unknown as Obj));
  }
  at(T0);
  return keys;
}

for (const api of ['v1', 'v2'] as const) {
  describe(`the Airflow puller (${api})`, () => {
    let fake: FakeAirflow;
    let clock = T0;
    const at = (ms: number) => { clock = ms; };
    beforeEach(async () => {
      clock = T0;
      fake = await createFakeAirflow({ api, username: USER, password: PASSWORD, now: () => new Date(clock) });
    });
    afterEach(() => fake.close());

    it('pulls every DAG run and task instance changed since `since`, a page at a time, and stops', async () => {
      const keys = seed(fake, at);
      const steps = await pull(fake, sourceFor(fake, api), {});
      assert.deepEqual([...tiKeys(steps)].sort(), [...keys].sort());
      assert.deepEqual([...runKeys(steps)].sort(), ['finance_close', 'sales_daily'].flatMap((d) => ['01', '02'].map((day) => `${d}/scheduled__2026-03-${day}T00:00:00+00:00`)).sort());
      assert.ok(pages(steps).every((p) => p.items.length <= 3 && p.total === 14 && p.where.startsWith(`GET /api/${api}/dags/~/dagRuns`)), "pages of at most a page size, with the pass's total and a path");
      assert.ok(pages(steps).some((p) => p.newest !== null && p.newest.getTime() === T0 - 30 * MIN + 9 * MIN + 137), 'a page is dated by its latest event');
      assert.deepEqual(pages(steps).at(-1)?.cursor, { mode: 'idle', next: iso(T0 - 2 * MIN) });
      assert.ok(listCalls(fake).every((c) => Number(c.query.limit) === 3), 'every list asks for a page of 3');
    });

    it('resumes from a cursor part way through with no gap, asking for nothing before it', async () => {
      const keys = seed(fake, at);
      const first = pages(await pull(fake, sourceFor(fake, api), {}));
      const k = first.findIndex((p) => p.cursor.stream === 'task_instances' && p.items.some((i) => typeof i === 'object' && i !== null && 'task_id' in i));
      assert.ok(k > 0 && k < first.length - 1, 'the pass has task instance pages on both sides of the cut');
      const cursor = first[k]?.cursor as Obj;
      const mark = fake.calls.length;
      const resumed = await pull(fake, sourceFor(fake, api), { cursor });
      const before = first.slice(0, k + 1).flatMap((p) => p.items as Obj[]).filter((i) => 'task_id' in i).map(tiKey);
      assert.deepEqual([...new Set([...before, ...tiKeys(resumed)])].sort(), [...keys].sort());
      assert.ok(listCalls(fake, mark).length > 0, 'the resumed pass asks Airflow');
      for (const c of listCalls(fake, mark)) assert.ok(Date.parse(c.query.updated_at_gte ?? '') >= Date.parse(String(cursor.from)), `asked again for ${c.query.updated_at_gte}`);
      assert.ok(listCalls(fake, mark).every((c) => c.path.endsWith('/taskInstances')), 'the DAG runs were done');
    });

    it('sees what changes between two page calls, in this pass or the next, and the task that finished since', async () => {
      const keys = seed(fake, at);
      at(T0 - 20 * MIN);
      fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'manual__1', task_id: 'load_dw', state: 'running', start_date: iso(T0 - 20 * MIN) });
      at(T0);
      let changed = false;
      const first = await pull(fake, sourceFor(fake, api), {}, defaultHttpDeps(), (p) => {
        if (changed || !p.items.some((i) => (i as Obj).task_id === 'task_1')) return;
        changed = true;
        // Between two pages: an instance already read changes, a new one appears, one is committed late.
        at(T0 + 5_000);
        const early = fake.state.taskInstance('finance_close', 'scheduled__2026-03-01T00:00:00+00:00', 'task_0');
        if (early) fake.state.update(early, {});
        fake.state.addTaskInstance({ dag_id: 'sales_daily', dag_run_id: 'manual__2', task_id: 'fresh', state: 'success', end_date: iso(T0 + 5_000) });
        fake.state.addTaskInstance({ dag_id: 'sales_daily', dag_run_id: 'manual__2', task_id: 'late', state: 'failed', updated_at: iso(T0 - 30_000) });
      });
      assert.ok(changed, 'the pass had a page after task_1');
      for (const key of keys) assert.ok(tiKeys(first).has(key), `${key} is read in the pass it was listed in`);
      assert.ok(items(first).some((i) => i.task_id === 'load_dw' && i.state === 'running'), 'load_dw is seen running');
      // After the pass, the running task finishes.
      at(T0 + 30_000);
      fake.state.complete('finance_close', 'manual__1', 'load_dw', 'success');
      at(T0 + 60_000);
      const second = await pull(fake, sourceFor(fake, api), { cursor: pages(first).at(-1)?.cursor ?? null, now: T0 + 60_000 });
      const seen = new Set([...tiKeys(first), ...tiKeys(second)]);
      for (const task of ['fresh', 'late']) assert.ok([...seen].some((k) => k.includes(`/${task}#`)), `${task} is seen`);
      assert.ok(items(second).some((i) => i.task_id === 'load_dw' && i.state === 'success'), 'the finished task is pulled again');
      assert.ok(items(second).some((i) => i.task_id === 'task_0'), 'the changed task is pulled again');
      assert.ok(items(second).filter((i) => 'task_id' in i).length <= 5, 'the next pass reads only what changed');
    });

    it('walks by offset through more rows than a page that share one millisecond', async () => {
      at(T0 - 10 * MIN);
      for (let i = 0; i < 8; i += 1) fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: 'manual__burst', task_id: `t${i}`, state: 'success' });
      at(T0);
      const steps = await pull(fake, sourceFor(fake, api), {});
      assert.equal(tiKeys(steps).size, 8);
      assert.ok(pages(steps).some((p) => (p.cursor as Obj).offset === 3), 'the burst is paged by offset');
    });

    it('pulls the earlier tries of a retried task, which ingest as attempts 1 and 2', async () => {
      at(T0 - 10 * MIN);
      fake.state.addTaskInstance(
        { dag_id: 'finance_close', dag_run_id: 'manual__7', task_id: 'load_dw', state: 'success', try_number: 2, max_tries: 2, start_date: iso(T0 - 12 * MIN), end_date: iso(T0 - 10 * MIN) },
        [{ start_date: iso(T0 - 20 * MIN), end_date: iso(T0 - 19 * MIN) }],
      );
      at(T0);
      const steps = await pull(fake, sourceFor(fake, api), {});
      assert.ok(fake.calls.some((c) => c.path === `/api/${api}/dags/finance_close/dagRuns/manual__7/taskInstances/load_dw/tries`), 'the tries of load_dw are asked for');
      const ctx = { source: 'airflow-prod', timeZone: 'UTC', receivedAt: new Date(T0) };
      const events = items(steps).flatMap((i) => {
        const r = airflowAdapter(i, ctx);
        assert.equal(r.kind, 'events', JSON.stringify(r));
        return r.kind === 'events' ? r.events : [];
      }).filter((e) => e.job.name === 'finance_close.load_dw');
      assert.deepEqual(events.map((e) => [e.run.attempt, e.eventType]).sort(), [[1, 'failed'], [2, 'completed']]);
      assert.equal(events.find((e) => e.run.attempt === 1)?.endedAt?.toISOString(), iso(T0 - 19 * MIN));
    });

    it("waits out a 429's Retry-After", async () => {
      seed(fake, at);
      const slept: number[] = [];
      const deps: HttpDeps = { ...defaultHttpDeps(), sleep: (ms) => { slept.push(ms); return Promise.resolve(); } };
      fake.failNext([{ status: 429, retryAfter: 7 }], { path: '/taskInstances' });
      const steps = await pull(fake, sourceFor(fake, api), {}, deps);
      assert.deepEqual(slept, [7_000]);
      assert.equal(tiKeys(steps).size, 10);
    });

    it('ends the pass, fatally, when the credentials are refused', async () => {
      seed(fake, at);
      const steps = await pull(fake, sourceFor(fake, api, {}, 'not-the-password'), {});
      assert.equal(steps.length, 1);
      assert.deepEqual([steps[0]?.kind, steps[0]?.kind === 'failed' && steps[0].fatal, steps[0]?.kind === 'failed' && steps[0].status], ['failed', true, 401]);
    });

    it('ends the pass, to be tried again, when Airflow keeps failing; its words never carry the password', async () => {
      seed(fake, at);
      // Both opening calls, three tries each.
      fake.failNext(Array.from({ length: 6 }, () => ({ status: 500, body: { detail: `cannot log in as ${USER}:${PASSWORD}` } })), { path: '/dagRuns' });
      const deps: HttpDeps = { ...defaultHttpDeps(), sleep: () => Promise.resolve() };
      const [step] = await pull(fake, sourceFor(fake, api), {}, deps);
      assert.equal(step?.kind, 'failed');
      assert.ok(step?.kind === 'failed' && !step.fatal && step.status === 500 && step.detail.includes('[redacted]'), 'a retryable failure, redacted');
    });

    it('records a malformed page with its field, skips past it and goes on', async () => {
      seed(fake, at);
      // The first answer is the pass's opening count, which the walk asks again; the second is a window.
      fake.failNext([{ status: 200, body: { dag_runs: [] } }, { status: 200, body: { dag_runs: [] } }], { path: '/taskInstances' });
      // From three days back, the first window (a day wide) is the one refused, and it holds nothing.
      // The older task instance seeded two days back is read too: it lies past the refused window.
      const from = new Date(T0 - 3 * 86_400_000 - 3_600_000);
      const steps = await pull(fake, sourceFor(fake, api), { since: from });
      const bad = steps.filter((s) => s.kind === 'malformed');
      assert.equal(bad.length, 1);
      assert.ok(bad[0]?.kind === 'malformed' && bad[0].field === 'task_instances' && bad[0].where.startsWith(`GET /api/${api}/dags/~/dagRuns/~/taskInstances?`) && /offset=0/.test(bad[0].where), 'the malformed page names its field and where');
      assert.ok(bad[0]?.kind === 'malformed' && String(bad[0].cursor.from) > from.toISOString(), 'the cursor moves past it');
      assert.equal(tiKeys(steps).size, 11, 'the skipped window held nothing; the rest is read');
      assert.equal(pages(steps).at(-1)?.cursor.mode, 'idle');
    });

    it('keeps only the DAGs its globs name, asking Airflow to narrow the list where it can', async () => {
      seed(fake, at);
      const steps = await pull(fake, sourceFor(fake, api, { namespaces: ['fin*_close'] }), {});
      assert.equal(tiKeys(steps).size, 5);
      assert.ok(items(steps).every((i) => i.dag_id === 'finance_close'), 'only finance_close');
      if (api === 'v2') assert.ok(listCalls(fake).every((c) => c.query.dag_id_pattern === 'fin%_close'), 'the glob goes to Airflow as dag_id_pattern');
      const mark = fake.calls.length;
      const several = await pull(fake, sourceFor(fake, api, { namespaces: ['nothing_*', 'finance_clos*'] }), {});
      assert.equal(tiKeys(several).size, 5);
      assert.ok(listCalls(fake, mark).every((c) => c.query.dag_id_pattern === undefined), 'several globs are checked by the puller alone');
    });
  });
}

describe('the synthetic Airflow history', () => {
  it('is pulled whole, tries included, through the same walk', async () => {
    const fake = await createFakeAirflow({ api: 'v2', now: () => new Date(T0), history: { dags: 6, days: 2, tasksPerDag: 5, retryShare: 0.2, seed: 7 } });
    try {
      const source = { ...sourceFor(fake, 'v2', { page_size: 50 }), auth: { kind: 'password' as const, username: 'admin', password: 'admin' } };
      const steps: PullStep[] = [];
      for await (const s of airflowPuller(source, pullCallFor(source, defaultHttpDeps())).pull({ since: new Date(T0 - 3 * 86_400_000), cursor: null, now: new Date(T0) })) steps.push(s);
      const listed = items(steps).filter((i) => 'task_id' in i);
      const current = new Set(listed.filter((i) => 'id' in i).map(tiKey));
      assert.equal(current.size, 60);
      assert.equal(runKeys(steps).size, 12);
      const retried = listed.filter((i) => 'id' in i && Number(i.try_number) > 1).length;
      assert.ok(retried > 0 && listed.filter((i) => !('id' in i)).length >= retried, 'each retried task brings its earlier tries');
    } finally {
      await fake.close();
    }
  });

  it('answers a page of a million task instances without building them', () => {
    const h = syntheticHistory({ dags: 200, days: 90, tasksPerDag: 56, end: new Date(T0) });
    assert.equal(h.size.taskInstances, 1_008_000);
    const started = performance.now();
    const mid = T0 - 45 * 86_400_000;
    const page = h.taskInstances.select({ bounds: [{ field: 'updated_at', op: 'gte', at: mid }, { field: 'updated_at', op: 'lte', at: mid + 3_600_000 }], dagId: undefined, runId: undefined, state: undefined }, undefined, 100, 100);
    assert.ok(performance.now() - started < 50, 'a page is served in under 50 ms');
    assert.equal(page?.items.length, 100);
    assert.ok(page && page.total > 400 && page.total < 500, 'an hour holds about 466 task instances');
    const times = page?.items.map((t) => Date.parse(t.updated_at)) ?? [];
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });
});
