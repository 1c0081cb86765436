/**
 * A connection's credentials kept out of what Medic stores and shows: an orchestrator, or a
 * proxy in front of it, may echo a header in an error body, and a URL's user-info may come back
 * in a connection error. Executors and pullers both pass what comes back through here.
 */

/** Every credential a connection (an executor's or a source's) holds, whatever its kind. */
export function connectionSecrets(c: { url: string; auth?: unknown; token?: unknown; secret?: unknown }): string[] {
  const auth = typeof c.auth === 'object' && c.auth !== null ? (c.auth as Record<string, unknown>) : {};
  const inUrl = decodeURIComponent(new URL(c.url).password);
  return [auth.password, auth.key, auth.token, c.token, c.secret, inUrl].filter((s): s is string => typeof s === 'string' && s !== '');
}

/** Replaces each of `secrets` in a text by `[redacted]`. */
export const redactor = (secrets: readonly string[]) => (text: string): string => secrets.reduce((t, s) => t.split(s).join('[redacted]'), text);

/** An outcome or observation with its `detail` and any echoed `response` redacted. */
export function redacted<T extends object>(o: T, clean: (text: string) => string): T {
  const out = { ...o } as Record<string, unknown>;
  if (typeof out.detail === 'string') out.detail = clean(out.detail);
  if (out.response !== undefined) {
    const text = JSON.stringify(out.response);
    if (text !== undefined && clean(text) !== text) out.response = JSON.parse(clean(text)) as unknown;
  }
  return out as unknown as T;
}
