/**
 * What a source's puller is to the sync engine: pages of the orchestrator's own API answers,
 * each with the cursor to resume after it once its items are stored. The engine owns storing,
 * cursors, rate and concurrency; a puller owns its API's paths, pagination and error shapes.
 */
import type { Checked } from '../remediation/http-outcome.ts';
import type { HttpRequest } from '../remediation/http.ts';
import type { Orchestrator } from '../runs/schema.ts';

/** Where a puller resumes: its own JSON, opaque to the engine, stored per source in PostgreSQL. */
export type Cursor = { readonly [key: string]: unknown };

export interface PullRequest {
  /** The oldest history wanted, for a source with no cursor yet (a backfill). */
  since: Date;
  /** Where the last pass stopped; null on the first pass. */
  cursor: Cursor | null;
  /** The time now: the end of this pass. */
  now: Date;
}

/**
 * One step of a pass.
 * - `page`: payloads in `orchestrator`'s own format, as `POST /v1/events` takes them; `cursor`
 *   resumes after them. `newest` is the latest event time among them (for lag); `total` what the
 *   API says the whole pass holds, when it says (for progress).
 * - `malformed`: an answer that could not be read (not JSON, a missing list, a wrong type); the
 *   engine records it with `where` and `field` and goes on from `cursor`, which skips it.
 * - `failed`: the pass cannot go on (unreachable after retries, 5xx after retries, 401/403);
 *   `fatal` when retrying later will not help without a change of configuration (credentials).
 */
export type PullStep =
  | { kind: 'page'; orchestrator: Orchestrator; items: unknown[]; cursor: Cursor; where: string; newest: Date | null; total?: number }
  | { kind: 'malformed'; where: string; field: string; detail: string; cursor: Cursor }
  | { kind: 'failed'; where: string; status: number | null; detail: string; fatal: boolean };

export interface Puller {
  /** Pages from `req.cursor` (or `req.since`) up to now, in an order that leaves no gap when resumed. */
  pull(req: PullRequest, signal?: AbortSignal): AsyncIterable<PullStep>;
}

/**
 * How a puller calls its API: one authorised call, retried on 429 (honouring `Retry-After`),
 * 5xx and timeouts within the connection's limits, and held to the source's rate and
 * concurrency by the engine. Credentials are the puller's own (built from its connection).
 */
export type PullCall = (req: HttpRequest, what: string) => Promise<Checked>;
