/**
 * HTML built from tagged templates. Every interpolated value is escaped unless it is already
 * `Html` (made by `html` itself or by `raw`), so text from logs, failure messages and people can
 * never become markup. Arrays are joined; `null`, `undefined` and `false` render nothing.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A value a template may hold. */
export type HtmlValue = Html | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** The template tag: `html\`<p>${text}</p>\``. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup that is trusted as it is: only for text Medic wrote itself, never for data. */
export function raw(text: string): Html {
  return new Html(text);
}

/** Data for a client script, in a `<script type="application/json">` that browsers never run. */
export function jsonData(id: string, data: unknown): Html {
  // `<` escaped so that no string in the data can close the script element.
  const text = JSON.stringify(data).replace(/</g, '\\u003c');
  return html`<script type="application/json" id="${id}">${raw(text)}</script>`;
}
