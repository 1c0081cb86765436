/** The incident list: filters that fit in a bookmark, and keyset pages of 50, newest first. */
import { z } from 'zod';
import type { Queryable } from '../../db/pool.ts';
import { listIncidents, type IncidentFilter, type IncidentView } from '../../incidents/read-sql.ts';
import { clip, when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { blank, selected } from './form-fields.ts';
import { endedAs } from './incident-blocks.ts';
import { table } from './live-region.ts';

/** Incidents a page shows. */
export const PAGE = 50;

/** The list's filters as the form sends them: open incidents unless it says otherwise. */
export const IncidentListQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  job: blank(z.string().trim().min(1).max(400)),
  match: z.enum(['contains', 'exact']).default('contains'),
  signature: blank(z.coerce.number().int().positive()),
  before: blank(z.coerce.number().int().positive()),
});
export type IncidentListQuery = z.infer<typeof IncidentListQuery>;

/** One page of incidents, and whether an older page follows. */
export async function incidentList(db: Queryable, q: IncidentListQuery): Promise<{ rows: IncidentView[]; more: boolean }> {
  const f: IncidentFilter = {
    limit: PAGE + 1,
    ...(q.status === 'all' ? {} : { open: q.status === 'open' }),
    ...(q.job ? { job: { text: q.job, exact: q.match === 'exact' } } : {}),
    ...(q.signature ? { signatureId: q.signature } : {}),
    ...(q.before ? { before: q.before } : {}),
  };
  const rows = await listIncidents(db, f);
  return { rows: rows.slice(0, PAGE), more: rows.length > PAGE };
}

/** The address of this list with other filters or another page. */
function listUrl(q: IncidentListQuery, change: Partial<IncidentListQuery>): string {
  const next = { ...q, ...change };
  const params = new URLSearchParams({ status: next.status });
  if (next.job) params.set('job', next.job);
  if (next.job && next.match === 'exact') params.set('match', 'exact');
  if (next.signature) params.set('signature', String(next.signature));
  if (next.before) params.set('before', String(next.before));
  return `/incidents?${params.toString()}`;
}

/** The filter form (a GET, so a filtered list is a link) and one page of incidents with the link to older ones. */
export function incidentListBody(f: Formats, q: IncidentListQuery, page: { rows: IncidentView[]; more: boolean }): Html {
  const last = page.rows.at(-1);
  return html`<form method="get" action="/incidents" class="filters" role="search" aria-label="Filter incidents">
<div><label for="f-status">Status</label><select id="f-status" name="status">
<option value="open"${selected(q.status === 'open')}>Open</option><option value="resolved"${selected(q.status === 'resolved')}>Resolved or closed</option><option value="all"${selected(q.status === 'all')}>All</option></select></div>
<div><label for="f-job">Job</label><input id="f-job" name="job" value="${q.job ?? ''}" placeholder="namespace/name" maxlength="400"></div>
<div><label for="f-match">Job matches</label><select id="f-match" name="match"><option value="contains"${selected(q.match === 'contains')}>containing the text</option><option value="exact"${selected(q.match === 'exact')}>exactly</option></select></div>
<div><label for="f-signature">Signature</label><input id="f-signature" name="signature" type="number" min="1" inputmode="numeric" value="${q.signature ?? ''}"></div>
<div><button type="submit">Filter</button> <a href="/incidents?status=all">Clear filters</a></div>
</form>
<section class="region" aria-labelledby="list-h"><h2 id="list-h">${q.before ? `Incidents older than #${q.before}` : 'Newest first'}</h2>
${table(['Incident', 'Status', 'Job', 'Failures', 'Opened', 'Last seen', 'Signature', 'How it ended'], page.rows.map((i) => html`<tr>
<td><a href="/incidents/${i.id}">Incident #${i.id}</a>${i.kind === 'storm' ? html` <span class="badge warn">storm</span>` : ''}</td>
<td><span class="badge ${i.status}">${i.status}</span></td>
<td>${i.job.namespace}/${i.job.name}${i.jobs_affected > 1 ? html`<br><span class="muted">and ${i.jobs_affected - 1} more</span>` : ''}</td>
<td>${i.occurrences}</td>
<td>${when(f, i.opened_at)}</td>
<td>${when(f, i.last_seen_at)}</td>
<td><a href="${listUrl(q, { signature: i.signature.id, before: undefined })}" aria-label="Incidents of signature #${i.signature.id}">#${i.signature.id}</a> <code>${clip(i.signature.template, 100)}</code></td>
<td>${endedAs(i.resolution)}</td>
</tr>`), 'No incident matches these filters.')}
${page.more && last ? html`<nav class="pager" aria-label="Pages"><a href="${listUrl(q, { before: last.id })}">Older incidents</a></nav>` : ''}
</section>`;
}
