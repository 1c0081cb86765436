import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { matchText } from './match.ts';
import { incidentDetail } from './evidence.ts';
import { listIncidents, listSignatures } from './read-sql.ts';
import { IncidentStatus, MatchBody, ResolveBody } from './schema.ts';
import { resolveByPerson } from './resolve.ts';

const Id = z.coerce.number().int().positive();

/** Incidents and signatures: list, detail with evidence, resolve, and match a text to past failures. */
export function incidentRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/v1/incidents', {
      schema: {
        summary: 'List incidents, newest first',
        querystring: z.strictObject({
          status: IncidentStatus.optional(), job_id: Id.optional(), signature_id: Id.optional(),
          since: z.coerce.date().optional(), before: Id.optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const q = req.query;
      const incidents = await listIncidents(deps.pool, {
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}), ...(q.job_id ? { jobId: q.job_id } : {}),
        ...(q.signature_id ? { signatureId: q.signature_id } : {}), ...(q.since ? { since: q.since } : {}),
        ...(q.before ? { before: q.before } : {}),
      });
      const last = incidents.at(-1);
      return { incidents, next_before: incidents.length === q.limit && last ? last.id : null };
    });

    app.get('/v1/incidents/:id', {
      schema: { summary: 'An incident with its runs, signature, similar incidents and what fixed them', params: z.object({ id: Id }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const detail = await incidentDetail(deps.pool, req.params.id);
      if (!detail) throw new AppError('not_found', `incident ${req.params.id} does not exist`);
      return detail;
    });

    app.post('/v1/incidents/:id/resolve', {
      schema: { summary: 'Resolve an incident, saying what fixed it', params: z.object({ id: Id }), body: ResolveBody },
      onRequest: async (req) => void auth.require(req, 'approve'),
    }, async (req) => {
      const principal = auth.principalOf(req);
      const actor = req.body.actor ?? (principal.kind === 'token' ? principal.name : 'local');
      const out = await resolveByPerson(deps, req.params.id, req.body, actor, 'api');
      switch (out.kind) {
        case 'resolved': return out.incident;
        case 'not_found': throw new AppError('not_found', `incident ${req.params.id} does not exist`);
        case 'already': throw new AppError('conflict', `incident ${req.params.id} is already ${out.status}`);
        default: {
          const never: never = out;
          return never;
        }
      }
    });

    app.get('/v1/signatures', {
      schema: { summary: 'Signatures, most recently seen first', querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000).default(100) }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => ({ signatures: await listSignatures(deps.pool, req.query.limit) }));

    app.post('/v1/signatures/match', {
      schema: { summary: 'Match a failure text to known signatures and what fixed them', body: MatchBody },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => matchText(deps, req.body.text, req.body.detail ?? null, req.body.k));
  };
}
