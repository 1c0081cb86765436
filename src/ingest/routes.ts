import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Authenticator } from '../http/auth.ts';
import { Orchestrator } from '../runs/schema.ts';
import { TimeZone } from '../time-zone.ts';
import { ingest, type IngestSummary } from './ingest.ts';


/** `POST /v1/events`: one payload (`event`) or many (`events`) in one orchestrator's own format. */
export const EventsBody = z
  .strictObject({
    source: Orchestrator.describe('the adapter that reads the payloads'),
    instance: z.string().min(1).max(200).optional().describe('the source instance, e.g. airflow-prod; defaults to the adapter name'),
    timeZone: TimeZone.optional().describe('time zone for timestamps that carry none (Control-M); defaults to MEDIC_TIME_ZONE'),
    event: z.unknown().optional(),
    events: z.array(z.unknown()).min(1).max(50_000).optional(),
  })
  .refine((b) => (b.event === undefined) !== (b.events === undefined), {
    message: 'send exactly one of "event" (one payload) or "events" (a batch)',
    path: ['events'],
  });

const ItemsResponse = z.object({
  accepted: z.number(),
  duplicate: z.number(),
  ignored: z.number(),
  rejected: z.number(),
  items: z.array(z.record(z.string(), z.unknown())),
});

/**
 * 200 when every payload was taken (stored, already stored, or holding no run event),
 * 207 when some were rejected, 400 when all were.
 */
function send(reply: FastifyReply, summary: IngestSummary): FastifyReply {
  const taken = summary.accepted + summary.duplicate + summary.ignored;
  const status = summary.rejected === 0 ? 200 : taken === 0 ? 400 : 207;
  return reply.status(status).send(summary);
}

export function ingestRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.post('/v1/events', {
      schema: {
        summary: 'Ingest run events in an orchestrator\'s own format',
        body: EventsBody,
        response: { 200: ItemsResponse, 207: ItemsResponse, 400: ItemsResponse.or(z.unknown()) },
      },
      onRequest: async (req) => void auth.require(req, 'ingest'),
    }, async (req, reply) => {
      const summary = await ingest(deps, {
        orchestrator: req.body.source,
        ...(req.body.instance === undefined ? {} : { source: req.body.instance }),
        timeZone: req.body.timeZone ?? deps.config.timeZone,
        items: req.body.events ?? [req.body.event],
        receivedAt: deps.clock(),
      });
      count(deps, req.body.source, summary);
      return send(reply, summary);
    });

    // The path OpenLineage's HTTP transport posts to; one RunEvent, or an array of them.
    app.post('/api/v1/lineage', {
      schema: {
        summary: 'Ingest OpenLineage events (the HTTP transport\'s endpoint)',
        body: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown()).min(1).max(50_000)]),
        response: { 200: ItemsResponse, 207: ItemsResponse, 400: ItemsResponse.or(z.unknown()) },
      },
      onRequest: async (req) => void auth.require(req, 'ingest'),
    }, async (req, reply) => {
      const summary = await ingest(deps, {
        orchestrator: 'openlineage',
        timeZone: deps.config.timeZone,
        items: Array.isArray(req.body) ? req.body : [req.body],
        receivedAt: deps.clock(),
      });
      count(deps, 'openlineage', summary);
      return send(reply, summary);
    });
  };
}

function count(deps: Deps, orchestrator: string, s: IngestSummary): void {
  for (const status of ['accepted', 'duplicate', 'ignored', 'rejected'] as const) {
    if (s[status] > 0) deps.metrics.ingestItems.labels(orchestrator, status).inc(s[status]);
  }
}
