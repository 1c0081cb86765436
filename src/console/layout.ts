import type { Assets } from './assets.ts';
import type { Formats } from './format.ts';
import { html, type Html } from './html.ts';
import { can, type Person } from './person.ts';

/** What every page needs to know about the request it answers. */
export interface View {
  person: Person;
  /** The token every form posts back (`_csrf`). */
  csrf: string;
  assets: Assets;
  formats: Formats;
}

export type Section = 'now' | 'incidents' | 'approvals' | 'sla' | 'decisions' | 'policies';

export interface PageOptions {
  title: string;
  section: Section;
  body: Html;
  /** Regions of the page refresh when the server says something changed. */
  live?: boolean;
  /** The page draws charts (uPlot). */
  charts?: boolean;
}

const SECTIONS: { id: Section; label: string; href: string }[] = [
  { id: 'now', label: 'Now', href: '/' },
  { id: 'incidents', label: 'Incidents', href: '/incidents' },
  { id: 'approvals', label: 'Approvals', href: '/approvals' },
  { id: 'sla', label: 'SLA', href: '/sla' },
  { id: 'decisions', label: 'Decisions', href: '/decisions' },
  { id: 'policies', label: 'Policies', href: '/policies' },
];

// htmx may not evaluate strings as code, inject <style> elements or run scripts it swaps in:
// the pages' content security policy forbids all three.
const HTMX_CONFIG = '{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"selfRequestsOnly":true,"historyCacheSize":0}';

/** The document's start, to the end of its head: what every page, signed in or not, loads. */
function head(assets: Assets, title: string, extra: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${title} · Medic</title>
<link rel="stylesheet" href="${assets.url('medic.css')}">${extra}
</head>`;
}

/** A whole console page: header, navigation, the live-connection notice, the body. */
export function page(view: View, o: PageOptions): Html {
  const { assets, person } = view;
  return html`${head(assets, o.title, html`
<meta name="htmx-config" content="${HTMX_CONFIG}">
${o.charts ? html`<link rel="stylesheet" href="${assets.url('uplot.css')}">` : ''}
<script src="${assets.url('htmx.js')}" defer></script>
${o.live ? html`<script src="${assets.url('htmx-sse.js')}" defer></script>` : ''}
${o.charts ? html`<script src="${assets.url('uplot.js')}" defer></script>` : ''}
<script src="${assets.url('medic.js')}" defer></script>`)}
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <nav aria-label="Sections">
    <a class="brand" href="/">Medic</a>
    <ul>${SECTIONS.map((s) => html`<li><a href="${s.href}"${s.id === o.section ? html` aria-current="page"` : ''}>${s.label}</a></li>`)}</ul>
  </nav>
  <div class="who">
    <span title="${person.scopes.join(', ')}">${person.name}${can(person, 'approve') ? '' : html` <span class="badge">read only</span>`}</span>
    <form method="post" action="/logout"><input type="hidden" name="_csrf" value="${view.csrf}"><button type="submit" class="link">Sign out</button></form>
  </div>
</header>
${o.live ? html`<p id="live-status" class="live-status" role="status" aria-live="polite" hidden>Live updates lost: reconnecting… The page may be out of date.</p>` : ''}
<main id="main"${o.live ? html` hx-ext="sse" sse-connect="/events"` : ''}>
<h1>${o.title}</h1>
${o.body}
</main>
<footer class="foot">Times in ${view.formats.zone} · <a href="/docs">API</a></footer>
</body>
</html>`;
}

/** A page for someone not signed in (sign-in, errors before a session). */
export function barePage(assets: Assets, title: string, body: Html): Html {
  return html`${head(assets, title, html``)}
<body class="bare">
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/** A message after an action (`role=status`) or a refusal (`role=alert`). */
export function notice(kind: 'ok' | 'error', text: string | Html): Html {
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** The hidden field every state-changing form carries. */
export function csrfField(view: Pick<View, 'csrf'>): Html {
  return html`<input type="hidden" name="_csrf" value="${view.csrf}">`;
}
