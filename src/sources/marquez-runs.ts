/**
 * The runs walk, for a Marquez without the events API: namespaces → jobs → runs, each run
 * rebuilt as RunEvents. Marquez lists jobs by last update and runs by start, newest first, and
 * filters neither by time, so the walk
 * - reads the jobs updated since `from` (a job's update time is that of its latest event),
 *   then walks them in name order, so that a cursor can name where it stopped;
 * - pages a job's runs until a whole page is older than `from`, started and last updated
 *   before it. A run that outlasts more than a page of later runs of its job, all ended
 *   before `from`, is missed: the price of not reading every run of every job on each pass.
 */
import { eventsFrom, type RunsCursor } from './marquez-cursor.ts';
import { failedStep, isObject, segment, timeOf, type Answer } from './marquez-http.ts';
import { MAX_UNREADABLE_PAGES, type WalkContext } from './marquez-events.ts';
import { runEvents } from './marquez-run-events.ts';
import type { PullStep } from './puller.ts';

type Listed =
  | { kind: 'ok'; items: Record<string, unknown>[]; where: string }
  | { kind: 'failed'; answer: Extract<Answer, { kind: 'failed' }> }
  | { kind: 'malformed'; where: string; field: string; detail: string };

/** Just past `name` in code-unit order: where a cursor resumes once `name` is done. */
const past = (name: string): string => `${name}\u0000`;
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every item of a list endpoint, page by page, up to the first one `stop` says ends it. When
 * the list took more than one page, its first page is read again at the end: a job updated
 * meanwhile moves to the front, past where the paging had got to.
 */
async function listAll(ctx: WalkContext, path: string, key: string, what: string, stop: (item: Record<string, unknown>) => boolean): Promise<Listed> {
  const items: Record<string, unknown>[] = [];
  let where = '';
  for (let offset = 0, pages = 0; ; offset += ctx.limit, pages += 1) {
    const a = await ctx.api.get(path, { limit: ctx.limit, offset }, what);
    if (a.kind === 'failed') return { kind: 'failed', answer: a };
    where ||= a.where;
    const list = isObject(a.json) ? a.json[key] : undefined;
    if (!Array.isArray(list)) return { kind: 'malformed', where: a.where, field: key, detail: `the answer has no "${key}" list` };
    const page = list.filter(isObject);
    const kept = page.findIndex(stop);
    items.push(...(kept < 0 ? page : page.slice(0, kept)));
    if (kept >= 0 || list.length < ctx.limit) {
      if (pages === 0) return { kind: 'ok', items, where };
      const again = await ctx.api.get(path, { limit: ctx.limit, offset: 0 }, what);
      const first = again.kind === 'ok' && isObject(again.json) && Array.isArray(again.json[key]) ? again.json[key] : [];
      return { kind: 'ok', items: [...items, ...first.filter(isObject).filter((i) => !stop(i))], where };
    }
  }
}

const names = (items: Record<string, unknown>[], from: string): string[] =>
  [...new Set(items.flatMap((i) => (typeof i.name === 'string' && i.name >= from ? [i.name] : [])))].sort(byName);

/** Walks the runs from `start` to the end, then hands over to the events walk at `start.to`. */
export async function* runsWalk(ctx: WalkContext, start: RunsCursor): AsyncGenerator<PullStep, void> {
  const from = Date.parse(start.from);
  const spaces = await listAll(ctx, '/namespaces', 'namespaces', 'Marquez namespaces', () => false);
  // No namespace list means no Marquez at this URL: retrying will not help until it is fixed.
  if (spaces.kind === 'failed') {
    yield failedStep(spaces.answer, [404]);
    return;
  }
  if (spaces.kind === 'malformed') {
    // Nothing is past an unreadable namespace list: the pass ends where it began.
    yield { kind: 'malformed', where: spaces.where, field: spaces.field, detail: spaces.detail, cursor: start };
    return;
  }
  const cursor = (namespace: string, job: string, offset: number): RunsCursor => ({ ...start, namespace, job, offset });

  for (const namespace of names(spaces.items, start.namespace).filter(ctx.keep)) {
    if (ctx.signal?.aborted) return;
    const resuming = namespace === start.namespace;
    const path = `/namespaces/${segment(namespace)}/jobs`;
    const jobs = await listAll(ctx, path, 'jobs', 'Marquez jobs', (j) => (timeOf(j.updatedAt) ?? from) < from);
    if (jobs.kind === 'failed' && jobs.answer.status === 404) continue; // removed since it was listed
    if (jobs.kind === 'failed') {
      yield failedStep(jobs.answer);
      return;
    }
    if (jobs.kind === 'malformed') {
      yield { kind: 'malformed', where: jobs.where, field: jobs.field, detail: jobs.detail, cursor: cursor(past(namespace), '', 0) };
      continue;
    }
    for (const job of names(jobs.items, resuming ? start.job : '')) {
      if (ctx.signal?.aborted) return;
      const offset = resuming && job === start.job ? start.offset : 0;
      const ok = yield* jobRuns(ctx, { namespace, name: job }, offset, from, (o) => cursor(namespace, job, o));
      if (!ok) return;
    }
  }
  yield { kind: 'page', orchestrator: 'openlineage', items: [], cursor: eventsFrom(start.to), where: spaces.where, newest: null };
}

/**
 * Pages one job's runs from `start`; false when the pass cannot go on. Unreadable pages are
 * skipped, and the rest of the job with them after a few in a row.
 */
async function* jobRuns(
  ctx: WalkContext, job: { namespace: string; name: string }, start: number, from: number, cursor: (offset: number) => RunsCursor,
): AsyncGenerator<PullStep, boolean> {
  const path = `/namespaces/${segment(job.namespace)}/jobs/${segment(job.name)}/runs`;
  for (let offset = start, unreadable = 0; unreadable < MAX_UNREADABLE_PAGES;) {
    const a = await ctx.api.get(path, { limit: ctx.limit, offset }, 'Marquez runs');
    if (a.kind === 'failed' && a.status === 404) return true; // the job went away
    if (a.kind === 'failed') {
      yield failedStep(a);
      return false;
    }
    const runs = isObject(a.json) ? a.json.runs : undefined;
    if (!Array.isArray(runs)) {
      offset += ctx.limit;
      unreadable += 1;
      yield { kind: 'malformed', where: a.where, field: 'runs', detail: 'the answer has no "runs" list', cursor: cursor(offset) };
      continue;
    }
    unreadable = 0;
    offset += runs.length;
    const items: Record<string, unknown>[] = [];
    const bad: { field: string; detail: string }[] = [];
    let older = 0;
    runs.forEach((raw, i) => {
      const r = runEvents(raw, job);
      if (r.kind === 'bad') return void bad.push({ field: `runs[${i}]${r.field ? `.${r.field}` : ''}`, detail: r.detail });
      if (r.updatedAt >= from) items.push(...r.events);
      else if (r.startedAt < from) older += 1;
    });
    const times = items.map((e) => Date.parse(String(e.eventTime)));
    const newest = times.length > 0 ? new Date(Math.max(...times)) : null;
    yield { kind: 'page', orchestrator: 'openlineage', items, cursor: cursor(offset), where: a.where, newest };
    for (const b of bad) yield { kind: 'malformed', where: a.where, field: b.field, detail: b.detail, cursor: cursor(offset) };
    if (runs.length < ctx.limit || older === runs.length) return true;
  }
  return true;
}
