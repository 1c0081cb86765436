import type { NormalizedRunEvent } from '../runs/schema.ts';

/** One thing wrong with a payload: where (a path into the payload) and what. */
export interface PayloadIssue {
  path: (string | number)[];
  message: string;
}

/** What an adapter makes of one payload: events (possibly none), or the reasons it refuses it. */
export type AdapterResult =
  | { kind: 'events'; events: NormalizedRunEvent[] }
  | { kind: 'rejected'; issues: PayloadIssue[] };

/** Facts an adapter cannot read from the payload itself. */
export interface AdapterContext {
  /** Source instance name to record; the adapter uses its orchestrator name when absent. */
  source?: string;
  /** IANA time zone for sources whose timestamps carry none (Control-M). @defaultValue `UTC` */
  timeZone: string;
  /** When Medic received the payload; used where a source gives no event time. */
  receivedAt: Date;
}

/** An ingest adapter: a pure function from an orchestrator's own payload to normalized run events. */
export type Adapter = (payload: unknown, ctx: AdapterContext) => AdapterResult;
