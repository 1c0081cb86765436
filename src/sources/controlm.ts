/**
 * Pulls job history from Control-M's Automation API, `GET /run/jobs/status`.
 *
 * That endpoint shows the active environment only: the job orders Control-M still holds (today's
 * and those kept past New Day), each once, with the status, times and run count of its latest
 * run. A rerun replaces the previous run's status and times; only a pass that reads a job
 * between two runs sees the first. Older runs are in Control-M Workload Archiving
 * (`/archive/search`), an add-on this puller does not read.
 *
 * A pass reads the whole active environment, narrowed into slices when an answer is cut short
 * (controlm-slices.ts), and emits the jobs that can have changed since the last pass
 * (controlm-cursor.ts). Items are job statuses, as the Control-M adapter takes them.
 */
import { nameFilter, type ControlmSource } from './config.ts';
import { choose } from './controlm-choose.ts';
import { startingCursor, wallAfter } from './controlm-cursor.ts';
import { controlmApi, failedStep, readStatuses } from './controlm-http.ts';
import { describeSlice, sliceQuery, split } from './controlm-slices.ts';
import type { PullCall, Puller } from './puller.ts';

/** Answers in a row that cannot be read before a pass gives up, rather than walk a broken API to its end. */
export const MAX_UNREADABLE_PAGES = 3;

export interface ControlmPullerOptions {
  /** Milliseconds since the epoch, for the time a pass has taken. @defaultValue Date.now */
  now?: () => number;
}

export function controlmPuller(source: ControlmSource, call: PullCall, options: ControlmPullerOptions = {}): Puller {
  const api = controlmApi(source, call);
  const now = options.now ?? Date.now;
  const folders = source.pull.namespaces;
  const keep = folders.length > 0 ? nameFilter(folders) : undefined;
  const limit = source.pull.page_size;
  return {
    async *pull(req, signal) {
      let cur = startingCursor(req, folders);
      let unreadable = 0;
      while (!signal?.aborted) {
        const [slice, ...rest] = cur.todo;
        if (!slice) return;
        const a = await api.get('/run/jobs/status', sliceQuery(slice, limit), 'Control-M jobs status');
        if (a.kind === 'failed') {
          yield failedStep(a);
          return;
        }
        const page = readStatuses(a.json);
        if (page.kind === 'malformed') {
          cur = { ...cur, skipped: true, todo: rest };
          yield { kind: 'malformed', where: a.where, field: page.field, detail: page.detail, cursor: cur };
          unreadable += 1;
          if (unreadable < MAX_UNREADABLE_PAGES) continue;
          yield { kind: 'failed', where: a.where, status: null, detail: `${unreadable} answers in a row could not be read`, fatal: false };
          return;
        }
        unreadable = 0;
        const chosen = choose(page.statuses, cur.from, keep);
        const wallAtStart = wallAfter(cur.wallAtStart, chosen.latest, now() - Date.parse(cur.passStart));
        // Without a total, a full answer may have been cut short.
        const truncated = page.total !== undefined ? page.total > page.statuses.length : page.statuses.length >= limit;
        const narrower = truncated ? split(slice, now()) : undefined;
        if (narrower) {
          cur = { ...cur, wallAtStart, todo: [...narrower, ...rest] };
          continue;
        }
        cur = { ...cur, wallAtStart, skipped: cur.skipped || truncated, todo: rest };
        // Job times carry no zone: lag is for the engine to compute, knowing the server's.
        yield { kind: 'page', orchestrator: 'controlm', items: chosen.items, cursor: cur, where: a.where, newest: null };
        for (const b of chosen.bad) yield { kind: 'malformed', where: a.where, field: b.field, detail: b.detail, cursor: cur };
        if (truncated) {
          const detail = `Control-M answered ${page.statuses.length} of ${page.total ?? 'more'} jobs for ${describeSlice(slice)}, which cannot be narrowed further: the rest are not read this pass (raise pull.page_size, or the server's own limit)`;
          yield { kind: 'malformed', where: a.where, field: 'total', detail, cursor: cur };
        }
      }
    },
  };
}
