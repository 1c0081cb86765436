/**
 * The fake Control-M's `GET /run/jobs/status`: the jobs of the active environment that match
 * the query's filters, at most `limit` of them (1000 by default, and never more than the
 * server's own cap), with `returned` and `total` saying when the answer was cut short. There
 * is no page token and no start index to ask for the rest: a client narrows its filters.
 *
 * Filters: `jobname`, `folder`, `application`, `host`, `ctm`/`server` (with `*` wildcards),
 * `jobid`, `status` (one, or several comma-separated), `orderDateFrom` / `orderDateTo`
 * (YYMMDD, inclusive).
 */
import type { FakeReply } from './server.ts';

/** The job fields the filters read. */
interface Filtered {
  jobId: string;
  name: string;
  folder: string;
  ctm: string;
  status: string;
  orderDate: string;
  application: string;
  host: string;
}

const error = (status: number, message: string): FakeReply => ({ status, body: { errors: [{ message }] } });

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

const GLOBS: [string, keyof Filtered][] = [['jobname', 'name'], ['folder', 'folder'], ['application', 'application'], ['host', 'host'], ['ctm', 'ctm'], ['server', 'ctm']];

/** Answers `query` over `jobs`; `maxLimit` is the server's own cap on one answer. */
export function jobsStatus<J extends Filtered>(jobs: Iterable<J>, query: Record<string, string>, maxLimit: number): FakeReply {
  const limit = query.limit === undefined ? 1000 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1) return error(400, `limit must be a positive number, not "${query.limit}"`);
  for (const k of ['orderDateFrom', 'orderDateTo']) {
    const v = query[k];
    if (v !== undefined && !/^\d{6}$/.test(v)) return error(400, `${k} must be a date in the format YYMMDD, not "${v}"`);
  }
  const tests: ((j: J) => boolean)[] = GLOBS.filter(([q]) => query[q] !== undefined).map(([q, field]) => {
    const re = glob(query[q] ?? '');
    return (j) => re.test(String(j[field]));
  });
  if (query.jobid !== undefined) tests.push((j) => j.jobId === query.jobid);
  if (query.status !== undefined) {
    const wanted = new Set(query.status.split(',').map((s) => s.trim()));
    tests.push((j) => wanted.has(j.status));
  }
  const { orderDateFrom: from, orderDateTo: to } = query;
  if (from !== undefined) tests.push((j) => j.orderDate >= from);
  if (to !== undefined) tests.push((j) => j.orderDate <= to);
  const matching = [...jobs].filter((j) => tests.every((t) => t(j))).sort((a, b) => (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  const perPage = Math.min(limit, maxLimit);
  const statuses = matching.slice(0, perPage);
  return { status: 200, body: { statuses, startIndex: 0, itemsPerPage: perPage, returned: statuses.length, total: matching.length } };
}
