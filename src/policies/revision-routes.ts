import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { activateAnswer, applyAnswer } from './revision-answers.ts';
import { ActivateBody, ApplyBody, RevisionId, RevisionListQuery } from './revision-schema.ts';
import { activateRevision, applyRevision } from './revisions.ts';
import { getRevision, listRevisions } from './revisions-sql.ts';
import { refuse } from './routes.ts';

/** Stored policy revisions: the list, one with its files, applying a set, and making a stored one active again. */
export function revisionRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const params = z.object({ id: RevisionId });
    /** The token's name; on a loopback server without tokens, the configured user. */
    const who = (req: FastifyRequest) => {
      const p = auth.require(req, 'admin');
      return p.kind === 'token' ? p.name : (deps.config.user ?? 'local');
    };

    /** This replica runs a new activation at once; if it cannot read it now, its next poll does. */
    const loadNow = (req: FastifyRequest) => deps.policies.sync().catch((err: unknown) => req.log.warn({ err }, 'the activated revision loads at the next poll'));

    app.get('/v1/policies/revisions', {
      schema: { summary: 'Stored policy revisions, newest first, with the active one marked', querystring: RevisionListQuery },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const revisions = await listRevisions(deps.pool, { limit: req.query.limit, ...(req.query.before ? { before: req.query.before } : {}) });
      const last = revisions.at(-1);
      return { revisions, next_before: revisions.length === req.query.limit && last ? last.number : null };
    });

    app.get('/v1/policies/revisions/:id', {
      schema: { summary: 'One stored policy revision with its files and activations', params },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const r = await getRevision(deps.pool, req.params.id);
      if (!r) throw new AppError('not_found', `policy revision ${req.params.id} is not stored`);
      return r;
    });

    app.post('/v1/policies/revisions', {
      schema: { summary: 'Store a policy set as a revision and make it active (dry_run: only say what would change)', body: ApplyBody },
      onRequest: async (req) => void auth.require(req, 'admin'),
    }, async (req, reply) => {
      const b = req.body;
      const outcome = await applyRevision(deps.pool, deps.policies.current(), deps.policies.dir, {
        files: b.files, author: b.author ?? null, commit: b.commit ?? null, message: b.message ?? null, by: who(req), dryRun: b.dry_run, now: deps.clock(),
      });
      if (outcome.kind === 'invalid') refuse(outcome.issues);
      if (outcome.kind === 'applied') await loadNow(req);
      return reply.status(outcome.kind === 'applied' ? 201 : 200).send(applyAnswer(outcome));
    });

    app.post('/v1/policies/revisions/:id/activate', {
      schema: { summary: 'Make a stored revision the active one again (a rollback), recorded as a new activation', params, body: ActivateBody },
      onRequest: async (req) => void auth.require(req, 'admin'),
    }, async (req) => {
      const outcome = await activateRevision(deps.pool, req.params.id, { by: who(req), message: req.body?.message ?? null, now: deps.clock() });
      if (outcome.kind === 'not_found') throw new AppError('not_found', `policy revision ${req.params.id} is not stored`);
      if (outcome.kind === 'invalid') refuse(outcome.issues);
      if (outcome.kind === 'activated') await loadNow(req);
      return activateAnswer(outcome);
    });
  };
}
