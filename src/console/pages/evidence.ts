/**
 * The evidence beside a failure, as the approval and incident pages show it: the signature, the
 * lines of the log that carry the error, the most similar past incidents and what fixed them.
 */
import { z } from 'zod';
import { extractErrorLines } from '../../signatures/log-excerpt.ts';
import { clip, span } from '../format.ts';
import { html, type Html } from '../html.ts';
import { table } from './live-region.ts';

/** How many lines of a log an excerpt shows at most. */
const EXCERPT_LINES = 40;

export const SimilarView = z.object({
  incident_id: z.number(),
  title: z.string(),
  status: z.string(),
  similarity: z.number(),
  resolution: z.object({ action: z.string(), actor: z.string(), outcome: z.string(), time_to_recover_ms: z.number().nullable().optional() }).nullable().optional(),
});
export type SimilarView = z.infer<typeof SimilarView>;

export const FixView = z.object({ action: z.string(), successes: z.number(), attempts: z.number(), summary: z.string() });
export type FixView = z.infer<typeof FixView>;

export function signatureBlock(s: { id: number; template: string; exception_type: string | null }): Html {
  return html`<figure class="signature"><figcaption>Signature #${s.id}${s.exception_type ? html` · <code>${s.exception_type}</code>` : ''}</figcaption><pre><code>${s.template}</code></pre></figure>`;
}

/** The failure message and the lines of its log Medic ranks as the error, with their line numbers. */
export function excerptBlock(message: string | null, detail: string | null): Html {
  const excerpt = detail ? extractErrorLines(detail, { maxLines: EXCERPT_LINES }) : null;
  const lines = excerpt && excerpt.lines.length
    ? html`<ol class="log">${excerpt.lines.map((n, i) => html`<li value="${n}"${n === excerpt.best ? html` class="best"` : ''}><code>${clip(excerpt.shown[i] ?? '', 400)}</code></li>`)}</ol>`
    : html`<p class="empty">No log came with this failure.</p>`;
  return html`<div class="excerpt"><p><strong>Message</strong></p><pre><code>${clip(message ?? '(none)', 2_000)}</code></pre>
<p><strong>Lines of the log that carry the error</strong>${excerpt ? html` <span class="muted">(${excerpt.lines.length} of ${detail?.split('\n').length ?? 0})</span>` : ''}</p>${lines}</div>`;
}

export function similarTable(similar: readonly SimilarView[]): Html {
  return table(['Incident', 'Similarity', 'Status', 'How it ended'], similar.map((s) => html`<tr>
<td><a href="/incidents/${s.incident_id}">#${s.incident_id}</a> ${clip(s.title.split('\n')[0] ?? '', 80)}</td>
<td>${Math.round(s.similarity * 100)} %</td>
<td>${s.status}</td>
<td>${s.resolution ? html`${s.resolution.action} by ${s.resolution.actor}: ${s.resolution.outcome}${s.resolution.time_to_recover_ms ? ` after ${span(s.resolution.time_to_recover_ms)}` : ''}` : html`<span class="muted">—</span>`}</td>
</tr>`), 'No similar past incident.');
}

export function fixesList(fixes: readonly FixView[]): Html {
  if (fixes.length === 0) return html`<p class="empty">Nothing has fixed a failure like this yet.</p>`;
  return html`<ul class="fixes">${fixes.map((f) => html`<li><strong>${f.action}</strong>: ${f.summary} <meter min="0" max="1" value="${f.attempts ? f.successes / f.attempts : 0}" aria-label="success rate of ${f.action}">${f.successes} of ${f.attempts}</meter></li>`)}</ul>`;
}

/** Pretty JSON of an action, a target or a dry run. */
export function jsonBlock(value: unknown): Html {
  return html`<pre class="json"><code>${JSON.stringify(value, null, 2) ?? 'null'}</code></pre>`;
}
