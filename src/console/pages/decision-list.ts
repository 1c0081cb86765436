/** The decision log as a page: bookmarkable filters, times in the console's zone, keyset pages of 50. */
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Queryable } from '../../db/pool.ts';
import { listDecisions, type DecisionFilter, type DecisionRow } from '../../decide/log-sql.ts';
import { ACTIONS_FOR } from '../../policies/action.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { blank, selected } from './form-fields.ts';
import { table } from './live-region.ts';

const PAGE = 50;
const RESULTS = [...new Set([...ACTIONS_FOR.failure, ...ACTIONS_FOR.preflight])];

/** What a `datetime-local` input sends: a wall-clock time without a zone. */
const LocalTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/, 'must be a date and time such as 2026-11-24T05:30');
/** Where the previous page ended: its last decision's time and id. */
const Cursor = z.string().regex(/^[^_\s]+_[0-9a-f-]{36}$/, 'is not a page of this log');

/** The log's filters as the form sends them; every one may be empty. */
export const DecisionListQuery = z.object({
  job: blank(z.string().trim().min(1).max(400)),
  result: blank(z.enum(RESULTS as [string, ...string[]])),
  policy: blank(z.string().trim().min(1).max(200)),
  kind: blank(z.enum(['failure', 'preflight'])),
  since: blank(LocalTime),
  before: blank(LocalTime),
  after: blank(Cursor),
});
export type DecisionListQuery = z.infer<typeof DecisionListQuery>;

export type DecisionSummary = Omit<DecisionRow, 'input' | 'result'>;

/** A decision id people can tell apart: ids are time-ordered (UUID v7), so their random tail differs, not their head. */
export function shortId(id: string): string {
  return `…${id.slice(-8)}`;
}

/** The query as a filter of the log, or what is wrong with it: a time that is not one, a page link from elsewhere. */
export type ParsedFilter = { kind: 'ok'; filter: DecisionFilter } | { kind: 'invalid'; reason: string };

/** Reads the filters; times are wall-clock times in `zone`, as the form's `datetime-local` inputs give them. */
export function decisionFilter(q: DecisionListQuery, zone: string): ParsedFilter {
  const local = (text: string | undefined) => (text === undefined ? undefined : DateTime.fromISO(text, { zone }));
  const since = local(q.since);
  const before = local(q.before);
  if (since && !since.isValid) return { kind: 'invalid', reason: `since ${q.since ?? ''} is not a time in ${zone}` };
  if (before && !before.isValid) return { kind: 'invalid', reason: `before ${q.before ?? ''} is not a time in ${zone}` };
  let after: DecisionFilter['after'];
  if (q.after) {
    const cut = q.after.lastIndexOf('_');
    const at = new Date(q.after.slice(0, cut));
    if (Number.isNaN(at.getTime())) return { kind: 'invalid', reason: 'the page link is broken: start from the first page' };
    after = { createdAt: at, id: q.after.slice(cut + 1) };
  }
  return {
    kind: 'ok',
    filter: {
      limit: PAGE + 1,
      ...(q.job ? { job: q.job } : {}), ...(q.policy ? { policyId: q.policy } : {}), ...(q.result ? { action: q.result } : {}),
      ...(q.kind ? { kind: q.kind } : {}), ...(since ? { since: since.toJSDate() } : {}), ...(before ? { before: before.toJSDate() } : {}),
      ...(after ? { after } : {}),
    },
  };
}

/** One page of the log, and whether another follows. */
export async function decisionPage(db: Queryable, f: DecisionFilter): Promise<{ rows: DecisionSummary[]; more: boolean }> {
  const rows = await listDecisions(db, f);
  return { rows: rows.slice(0, PAGE), more: rows.length > PAGE };
}

function listUrl(q: DecisionListQuery, after: string | undefined): string {
  const params = new URLSearchParams();
  for (const key of ['job', 'result', 'policy', 'kind', 'since', 'before'] as const) {
    const v = q[key];
    if (v) params.set(key, v);
  }
  if (after) params.set('after', after);
  return `/decisions?${params.toString()}`;
}

/** The filter form: a GET, so that a filtered log is a link to keep or share. */
export function decisionFilters(q: DecisionListQuery, policyIds: readonly string[], zone: string): Html {
  return html`<form method="get" action="/decisions" class="filters" role="search" aria-label="Filter decisions">
<div><label for="f-job">Job</label><input id="f-job" name="job" value="${q.job ?? ''}" placeholder="namespace/name" maxlength="400"></div>
<div><label for="f-result">Result</label><select id="f-result" name="result"><option value="">any</option>${RESULTS.map((r) => html`<option value="${r}"${selected(q.result === r)}>${r.replaceAll('_', ' ')}</option>`)}</select></div>
<div><label for="f-policy">Policy</label><input id="f-policy" name="policy" list="f-policies" value="${q.policy ?? ''}" maxlength="200">
<datalist id="f-policies">${policyIds.map((p) => html`<option value="${p}"></option>`)}</datalist></div>
<div><label for="f-kind">Kind</label><select id="f-kind" name="kind"><option value="">any</option><option value="failure"${selected(q.kind === 'failure')}>failure</option><option value="preflight"${selected(q.kind === 'preflight')}>preflight</option></select></div>
<div><label for="f-since">Since (${zone})</label><input id="f-since" name="since" type="datetime-local" value="${q.since ?? ''}"></div>
<div><label for="f-before">Before (${zone})</label><input id="f-before" name="before" type="datetime-local" value="${q.before ?? ''}"></div>
<div><button type="submit">Filter</button> <a href="/decisions">Clear filters</a></div>
</form>`;
}

/** One page of the log, with the link to the next (older) one. */
export function decisionTable(f: Formats, q: DecisionListQuery, page: { rows: DecisionSummary[]; more: boolean }): Html {
  const last = page.rows.at(-1);
  return html`${table(['Decision', 'When', 'Kind', 'Job', 'Result', 'Policy'], page.rows.map((d) => html`<tr>
<td><a href="/decisions/${d.id}">Decision ${shortId(d.id)}</a></td>
<td>${when(f, d.created_at)}</td>
<td>${d.kind}</td>
<td><a href="${listUrl({ job: d.job }, undefined)}" aria-label="Decisions about ${d.job}">${d.job}</a>${d.run_key ? html`<br><span class="muted">run ${d.run_key}${d.attempt ? `, attempt ${d.attempt}` : ''}</span>` : ''}</td>
<td><strong>${d.action.replaceAll('_', ' ')}</strong>${d.requires_approval ? html` <span class="badge pending">gated</span>` : ''}${d.degraded ? html` <span class="badge warn">degraded</span>` : ''}${d.enforced ? '' : html` <span class="badge">not enforced</span>`}</td>
<td>${d.policy_id ? html`<code>${d.policy_id}</code>` : html`<span class="muted">none matched</span>`}</td>
</tr>`), 'No decision matches these filters.')}
${page.more && last ? html`<nav class="pager" aria-label="Pages"><a href="${listUrl(q, `${last.created_at.toISOString()}_${last.id}`)}">Older decisions</a></nav>` : ''}`;
}
