import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { revisionFacts } from '../policies/revision-answers.ts';
import { revisionsById } from '../policies/revisions-sql.ts';
import { decideTimed } from './decide.ts';
import { getDecision, listDecisions } from './log-sql.ts';
import { createAdmission } from './overload.ts';
import { DecideRequest } from './schema.ts';

/**
 * What the caller wants when Medic is overloaded: the safe default (answered at once, marked
 * `reason: "overloaded"`), or a 429 with `Retry-After` to retry on its side. Other query
 * parameters (Open Policy Agent's `pretty`, `metrics`…) are accepted and ignored.
 */
const DecideQuery = z.object({ on_overload: z.enum(['safe_default', 'reject']).default('safe_default') });

/** The decision endpoint (and its Open Policy Agent data-API alias) and the decision log. */
export function decisionRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const admission = createAdmission({ maxInFlight: deps.config.decideMaxInFlight, shedAfterMs: deps.config.decideShedAfterMs });
    const handler = async (req: { body: z.infer<typeof DecideRequest>; query: z.infer<typeof DecideQuery> }, reply: FastifyReply) => {
      const kind = req.body.input.kind;
      const admitted = admission.admit(reply.elapsedTime);
      if (admitted.kind === 'overloaded' && req.query.on_overload === 'reject') {
        deps.metrics.decisions.inc({ kind, outcome: 'rejected' });
        throw new AppError('overloaded', `Medic is answering more decisions than it can in time (${admitted.detail}); ask again after 1 s`, { retryAfterMs: 1_000 });
      }
      try {
        const { answer, timings } = await decideTimed(deps, req.body.input, admitted.kind === 'overloaded' ? { overloaded: admitted.detail } : {});
        const outcome = admitted.kind === 'overloaded' || answer.result.degraded?.reason === 'overloaded' ? 'overloaded' : answer.result.degraded ? 'safe_default' : 'decided';
        deps.metrics.decisions.inc({ kind, outcome });
        void reply.header('server-timing', `gather;dur=${timings.gather.toFixed(2)}, evaluate;dur=${timings.evaluate.toFixed(2)}, log;dur=${timings.log.toFixed(2)}`);
        return answer;
      } finally {
        if (admitted.kind === 'admitted') admitted.release();
      }
    };
    const querystring = DecideQuery;

    app.post('/v1/decide', {
      schema: { summary: 'Decide what to do about a failure, or whether a job may start', body: DecideRequest, querystring },
      onRequest: async (req) => void auth.require(req, 'decide'),
    }, handler);

    // Clients written for Open Policy Agent post to `/v1/data/<package>/<rule>`; Medic's rule is `medic/decision`.
    app.post('/v1/data/medic/decision', {
      schema: { summary: 'The decision endpoint under Open Policy Agent\'s data-API path', body: DecideRequest, querystring },
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
      schema: { summary: 'One decision with its input, result and policy revision (author, commit and link when the revision is stored)', params: z.object({ id: z.uuid() }) },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const d = await getDecision(deps.pool, req.params.id);
      if (!d) throw new AppError('not_found', `decision ${req.params.id} does not exist`);
      // Null when the revision was never stored: the set was loaded from a folder.
      const [revision] = await revisionsById(deps.pool, [d.policy_revision]);
      return { ...d, policy_revision_detail: revision ? revisionFacts(revision) : null };
    });
  };
}
