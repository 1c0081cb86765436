import { html, type Html } from '../html.ts';
import type { Topic } from '../live.ts';

/**
 * A region of a page that fetches itself again (`src`) when the server says `topic` changed, or
 * after a lost connection comes back. Its fragment answers with the whole region, so one swap
 * replaces it, attributes included.
 */
export function liveRegion(o: { id: string; topic: Topic; src: string; title: string; count?: number; body: Html; className?: string }): Html {
  return html`<section id="${o.id}" class="region${o.className ? ` ${o.className}` : ''}" aria-labelledby="${o.id}-h" hx-get="${o.src}" hx-trigger="sse:${o.topic}, medic:resync from:body" hx-swap="outerHTML">
<h2 id="${o.id}-h">${o.title}${o.count !== undefined ? html` <span class="count">${o.count}</span>` : ''}</h2>
${o.body}
</section>`;
}

/** A table inside a box that scrolls sideways on a narrow screen instead of squeezing the columns. */
export function table(head: readonly string[], rows: readonly Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="empty">${empty}</p>`;
  return html`<div class="scroll"><table>
<thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}
