import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { decideTimed } from './decide.ts';
import { getDecision, listDecisions } from './log-sql.ts';
import { DecideRequest } from './schema.ts';

/** The decision endpoint (and its Open Policy Agent data-API alias) and the decision log. */
export function decisionRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const handler = async (req: { body: z.infer<typeof DecideRequest> }, reply: FastifyReply) => {
      const { answer, timings } = await decideTimed(deps, req.body.input);
      void reply.header('server-timing', `gather;dur=${timings.gather.toFixed(2)}, evaluate;dur=${timings.evaluate.toFixed(2)}, log;dur=${timings.log.toFixed(2)}`);
      return answer;
    };

    app.post('/v1/decide', {
      schema: { summary: 'Decide what to do about a failure, or whether a job may start', body: DecideRequest },
      onRequest: async (req) => void auth.require(req, 'decide'),
    }, handler);

    // Clients written for Open Policy Agent post to `/v1/data/<package>/<rule>`; Medic's rule is `medic/decision`.
    app.post('/v1/data/medic/decision', {
      schema: { summary: 'The decision endpoint under Open Policy Agent\'s data-API path', body: DecideRequest },
      onRequest: async (req) => void auth.require(req, 'decide'),
    }, handler);

    app.get('/v1/decisions', {
      schema: {
        summary: 'The decision log, newest first',
        querystring: z.strictObject({
          job: z.string().min(1).optional(), policy_id: z.string().min(1).optional(), action: z.string().min(1).optional(),
          kind: z.enum(['failure', 'preflight']).optional(), since: z.coerce.date().optional(), before: z.coerce.date().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
      },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const q = req.query;
      const decisions = await listDecisions(deps.pool, {
        limit: q.limit, ...(q.job ? { job: q.job } : {}), ...(q.policy_id ? { policyId: q.policy_id } : {}), ...(q.action ? { action: q.action } : {}),
        ...(q.kind ? { kind: q.kind } : {}), ...(q.since ? { since: q.since } : {}), ...(q.before ? { before: q.before } : {}),
      });
      const last = decisions.at(-1);
      return { decisions, next_before: decisions.length === q.limit && last ? last.created_at : null };
    });

    app.get('/v1/decisions/:id', {
      schema: { summary: 'One decision with its input, result and policy revision', params: z.object({ id: z.uuid() }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const d = await getDecision(deps.pool, req.params.id);
      if (!d) throw new AppError('not_found', `decision ${req.params.id} does not exist`);
      return d;
    });
  };
}
