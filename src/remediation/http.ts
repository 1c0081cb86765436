/**
 * One HTTP call to an orchestrator, with a timeout on every try and bounded retries for what
 * may pass (connection errors, timeouts, 429, 5xx). Everything else comes back at once, as
 * the orchestrator answered, for the executor to read.
 */
import { backoffDelay, retryableStatus, retryAfterMs } from './backoff.ts';
import type { ConnectionLimits } from './config.ts';

/** What the HTTP layer needs from the world; tests pass their own clock and sleep. */
export interface HttpDeps {
  /** Node's global fetch (undici). */
  fetch: typeof globalThis.fetch;
  sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1), for jitter. */
  random: () => number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

export function defaultHttpDeps(): HttpDeps {
  return {
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: Date.now,
  };
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  url: string;
  headers: Record<string, string>;
  /** Sent as is: a caller that signs the body signs exactly these bytes. */
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * The last answer (whatever its status, once retries are spent or not warranted), or no answer
 * at all: the server could not be reached or did not answer in time on any try.
 */
export type HttpResult =
  | { kind: 'response'; response: HttpResponse; tries: number }
  | { kind: 'unreachable'; detail: string; tries: number };

type Try = { kind: 'response'; response: HttpResponse } | { kind: 'unreachable'; detail: string };

/** A JSON request's headers and body. */
export function jsonRequest(method: HttpRequest['method'], url: string, body: unknown, headers: Record<string, string> = {}): HttpRequest {
  return { method, url, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(body) };
}

async function tryOnce(req: HttpRequest, timeoutMs: number, deps: HttpDeps): Promise<Try> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await deps.fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      // A redirected mutation would land where nobody configured it, credentials attached.
      redirect: 'manual',
      signal: controller.signal,
    });
    // The timeout covers the body too: a server that sends headers then stalls is as hung.
    const text = await res.text();
    return { kind: 'response', response: { status: res.status, headers: res.headers, text, json: parseJson(text) } };
  } catch (err: unknown) {
    if (timedOut) return { kind: 'unreachable', detail: `no answer within ${timeoutMs} ms` };
    return { kind: 'unreachable', detail: `could not connect: ${causeOf(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `req`, retrying what may pass within `limits`; never throws for network trouble. */
export async function send(req: HttpRequest, limits: ConnectionLimits, deps: HttpDeps): Promise<HttpResult> {
  const started = deps.now();
  for (let tries = 1; ; tries += 1) {
    const result = await tryOnce(req, limits.timeoutMs, deps);
    const status = result.kind === 'response' ? result.response.status : undefined;
    const again = status === undefined || retryableStatus(status);
    if (!again || tries >= limits.maxAttempts) return { ...result, tries };
    const asked = result.kind === 'response' ? retryAfterMs(result.response.headers.get('retry-after'), deps.now()) : undefined;
    const wait = asked ?? backoffDelay(tries, deps.random);
    // A wait past the budget would only delay the same answer: hand it to the queue instead.
    if (deps.now() - started + wait > limits.maxTotalMs) return { ...result, tries };
    await deps.sleep(wait);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause: unknown = err.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
  }
  return err.message;
}
