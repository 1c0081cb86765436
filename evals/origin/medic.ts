/**
 * Medic in-process on the embedded store, reached only through its HTTP API with `inject()`:
 * services applied with `POST /v1/services`, payloads posted where each orchestrator posts them,
 * and the trace and origin of an instance read from the routes an on-call engineer would use.
 */
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../src/deps.ts';
import { buildApp } from '../../src/http/app.ts';
import type { OriginReport, Trace } from '../../src/trace/types.ts';
import { testDeps } from '../../test/support/deps.ts';
import { testStores, type TestDatabase } from '../../test/support/stores.ts';
import { CONTROLM_ZONE, type FormatBatch } from './formats.ts';
import type { ServiceInput } from './service.ts';

export interface Medic {
  app: FastifyInstance;
  db: TestDatabase;
  /** Sets what Medic takes for now (when payloads are received). */
  setNow(at: Date): void;
  close(): Promise<void>;
}

/** What ingest made of the payloads posted. */
export interface IngestTally {
  requests: number;
  payloads: number;
  accepted: number;
  duplicate: number;
  ignored: number;
  rejected: number;
  /** Requests answered with anything but 200, with what they said. */
  refusals: string[];
}

export const emptyTally = (): IngestTally => ({ requests: 0, payloads: 0, accepted: 0, duplicate: 0, ignored: 0, rejected: 0, refusals: [] });

export async function openMedic(): Promise<Medic> {
  const store = testStores().find((s) => s.name === 'embedded');
  if (!store) throw new Error('no embedded store');
  const db = await store.open();
  let now = new Date();
  const deps: Deps = testDeps(db, { clock: () => now });
  const app = await buildApp(deps);
  return {
    app, db, setNow: (at) => { now = at; },
    close: async () => {
      await app.close();
      await deps.queue.close();
      await deps.decisionLog.close();
      await db.close();
    },
  };
}

export async function applyService(m: Medic, def: ServiceInput): Promise<void> {
  const res = await m.app.inject({ method: 'POST', url: '/v1/services', payload: def });
  if (res.statusCode !== 200) throw new Error(`POST /v1/services ${def.name}: ${res.statusCode} ${res.body}`);
}

const INSTANCE: Record<FormatBatch['format'], string> = { openlineage: 'airflow-prod', argo: 'argo-batch', controlm: 'ctm-prod', generic: 'data-tools' };

/** Posts one batch where its orchestrator posts: OpenLineage's HTTP transport, else `POST /v1/events`. */
export async function post(m: Medic, batch: FormatBatch, tally: IngestTally): Promise<void> {
  if (batch.payloads.length === 0) return;
  const res = batch.format === 'openlineage'
    ? await m.app.inject({ method: 'POST', url: '/api/v1/lineage', payload: batch.payloads })
    : await m.app.inject({
      method: 'POST', url: '/v1/events',
      payload: { source: batch.format, instance: INSTANCE[batch.format], ...(batch.format === 'controlm' ? { timeZone: CONTROLM_ZONE } : {}), events: batch.payloads },
    });
  tally.requests += 1;
  tally.payloads += batch.payloads.length;
  const body = res.json<Partial<Omit<IngestTally, 'refusals'>>>();
  tally.accepted += body.accepted ?? 0;
  tally.duplicate += body.duplicate ?? 0;
  tally.ignored += body.ignored ?? 0;
  tally.rejected += body.rejected ?? 0;
  if (res.statusCode !== 200) tally.refusals.push(`${batch.format} ${res.statusCode}: ${res.body.slice(0, 400)}`);
}

/** Medic's answer about one instance, or why there is none. */
export type Answer =
  | { kind: 'answered'; trace: Trace; origin: OriginReport }
  | { kind: 'route-missing'; message: string }
  | { kind: 'error'; status: number; message: string };

/** The trace and origin of the instance `key` of `service`, as they stood at `at`. */
export async function ask(m: Medic, service: string, key: string, at: Date): Promise<Answer> {
  const base = `/v1/services/${encodeURIComponent(service)}/instances/${encodeURIComponent(key)}`;
  const query = `?at=${encodeURIComponent(at.toISOString())}`;
  const trace = await m.app.inject({ method: 'GET', url: `${base}/trace${query}` });
  const origin = trace.statusCode === 200 ? await m.app.inject({ method: 'GET', url: `${base}/origin${query}` }) : trace;
  for (const res of [trace, origin]) {
    // Fastify's own 404 names the route; the API's own names what it did not find.
    if (res.statusCode === 404 && res.body.includes('Route GET')) return { kind: 'route-missing', message: res.body.slice(0, 200) };
    if (res.statusCode !== 200) return { kind: 'error', status: res.statusCode, message: res.body.slice(0, 300) };
  }
  return { kind: 'answered', trace: trace.json<Trace>(), origin: origin.json<OriginReport>() };
}
