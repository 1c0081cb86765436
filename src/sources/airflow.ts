/**
 * The Airflow puller, for Airflow 2 (`/api/v1`, 2.10) and Airflow 3 (`/api/v2`): what changed
 * since the last pass, DAG runs then task instances (with the earlier tries of retried ones),
 * walked in `updated_at` windows as airflow-cursor.ts describes. Filtering on `updated_at`
 * rather than on start or end dates is what brings back a task that was running at the last
 * pass and has finished since.
 *
 * A pass begins by asking for each list over the whole pass: when it fits one page (a pass of
 * a minute or two usually does) that answer is the page; otherwise its `total_entries` is the
 * pass's size for progress and sizes the first window.
 */
import { nameFilter, type AirflowSource } from './config.ts';
import {
  afterOffsetPage, afterRows, afterWalk, afterWindow, canNarrow, narrowed, newPass, spanFor, startingCursor, windowOf, type AirflowCursor, type PassCursor,
} from './airflow-cursor.ts';
import { airflowReader, failedStep, type AirflowReader, type ListAnswer, type Stream } from './airflow-http.ts';
import { earlierTries, newestOf, ofDags } from './airflow-items.ts';
import type { PullCall, Puller, PullStep } from './puller.ts';

type List = Extract<ListAnswer, { kind: 'list' }>;

interface Walk {
  reader: AirflowReader;
  keep: (dagId: string) => boolean;
  /** Items asked per page: `page_size` until Airflow is seen to cut it (`maximum_page_limit`). */
  limit: number;
  signal: AbortSignal | undefined;
}

/** Learns Airflow's page limit from a short page that left rows behind. */
function learnLimit(walk: Walk, a: List, offset: number): void {
  if (a.items.length > 0 && a.items.length < walk.limit && offset + a.items.length < a.total) walk.limit = a.items.length;
}

/** The steps of one answer: malformed tries (the page is kept without them), then the page. */
async function* pageOf(walk: Walk, c: PassCursor, next: AirflowCursor, a: List): AsyncGenerator<PullStep, boolean> {
  const items = ofDags(a.items, walk.keep);
  const tries = c.stream === 'task_instances' ? await earlierTries(walk.reader, items) : { kind: 'ok' as const, items: [], malformed: [] };
  if (tries.kind === 'failed') {
    yield failedStep(tries.answer);
    return false;
  }
  for (const m of tries.malformed) yield { kind: 'malformed', where: m.where, field: m.field, detail: m.detail, cursor: c };
  const all = [...items, ...tries.items];
  yield { kind: 'page', orchestrator: 'airflow', items: all, cursor: next, where: a.where, newest: newestOf(all), ...(c.total === undefined ? {} : { total: c.total }) };
  return true;
}

/**
 * Both lists over the whole pass at once: the pass's size, and often the whole pass. An
 * unreadable answer is only a missed hint (the walk asks again, window by window).
 */
async function probe(walk: Walk, c: PassCursor): Promise<Partial<Record<Stream, ListAnswer>>> {
  const w = { from: Date.parse(c.start), to: Date.parse(c.end), offset: 0, limit: walk.limit };
  const [runs, tis] = await Promise.all([walk.reader.list('dag_runs', w), walk.reader.list('task_instances', w)]);
  if (runs.kind === 'list') learnLimit(walk, runs, 0);
  if (tis.kind === 'list') learnLimit(walk, tis, 0);
  return { dag_runs: runs, task_instances: tis };
}

/** Where the walk goes after answer `a` to the window at `cur`; undefined when the pass stops. */
async function* afterAnswer(walk: Walk, cur: PassCursor, a: ListAnswer): AsyncGenerator<PullStep, AirflowCursor | undefined> {
  switch (a.kind) {
    case 'failed':
      yield failedStep(a);
      return undefined;
    case 'malformed': {
      const next = afterWindow(cur, cur.span);
      yield { kind: 'malformed', where: a.where, field: a.field, detail: a.detail, cursor: next };
      return next;
    }
    case 'list': {
      learnLimit(walk, a, cur.offset);
      if (cur.offset === 0 && a.items.length < a.total && canNarrow(cur)) return narrowed(cur, a.total, walk.limit);
      const whole = cur.offset === 0 && a.items.length >= a.total;
      const next = whole ? afterRows(cur, a.items.length, walk.limit) : afterOffsetPage(cur, a.items.length, a.total, walk.limit);
      return (yield* pageOf(walk, cur, next, a)) ? next : undefined;
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** Walks a pass from `first` to its end; returns the cursor past it, or undefined when it stopped. */
async function* walkPass(walk: Walk, first: PassCursor, fresh: boolean): AsyncGenerator<PullStep, AirflowCursor | undefined> {
  let c: AirflowCursor = first;
  const probed = fresh ? await probe(walk, first) : {};
  const refused = [probed.dag_runs, probed.task_instances].find((a) => a?.kind === 'failed');
  if (refused?.kind === 'failed') {
    yield failedStep(refused);
    return undefined;
  }
  if (probed.dag_runs?.kind === 'list' && probed.task_instances?.kind === 'list') c = { ...first, total: probed.dag_runs.total + probed.task_instances.total };
  while (c.mode === 'pass') {
    if (walk.signal?.aborted) return undefined;
    const cur: PassCursor = c;
    const held = cur.from === cur.start && cur.offset === 0 ? probed[cur.stream] : undefined;
    delete probed[cur.stream];
    if (held?.kind === 'list' && held.items.length >= held.total) {
      // The opening call held the whole walk: it is the page.
      const next = afterWalk(cur);
      if (!(yield* pageOf(walk, cur, next, held))) return undefined;
      c = next;
    } else if (held?.kind === 'list') {
      // Too much for one page: the count sizes the first window.
      c = { ...cur, span: spanFor(Date.parse(cur.end) - Date.parse(cur.start), held.total, walk.limit) };
    } else {
      const next = yield* afterAnswer(walk, cur, await walk.reader.list(cur.stream, { ...windowOf(cur), offset: cur.offset, limit: walk.limit }));
      if (!next) return undefined;
      c = next;
    }
  }
  return c;
}

/**
 * Pulls `source`'s history through `call`. A pass cut short is finished first, to the end it
 * had; then, if time has moved on since, a new pass runs from there to now.
 */
export function airflowPuller(source: AirflowSource, call: PullCall): Puller {
  const reader = airflowReader(source, call);
  const keep = nameFilter(source.pull.namespaces);
  return {
    async *pull(req, signal) {
      const walk: Walk = { reader, keep, limit: source.pull.page_size, signal };
      let c = startingCursor(req);
      if (c.mode === 'pass') {
        const past = yield* walkPass(walk, c, false);
        if (past?.mode !== 'idle' || Date.parse(c.end) >= req.now.getTime()) return;
        c = past;
      }
      const pass = newPass(c.next, req.now);
      if (pass) yield* walkPass(walk, pass, true);
    },
  };
}
