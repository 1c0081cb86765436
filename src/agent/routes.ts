import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { enqueueOrLeaveToSweep } from '../queue/unavailable.ts';
import { enqueueAgentRun } from './jobs.ts';
import { createAgentRun } from './run.ts';
import { agentRunsOf, agentSteps, getAgentRun } from './sql.ts';

const Id = z.object({ id: z.coerce.number().int().positive() });

export const StartBody = z.strictObject({
  agent: z.string().min(1).max(100).default('diagnose').describe('the prompt to run (prompts/<agent>.v<n>.md)'),
  max_steps: z.number().int().min(1).max(50).default(8).describe('the step budget'),
});

/** Agent runs: start one on an incident, list an incident's, show one with its steps. */
export function agentRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post('/v1/incidents/:id/agent', {
      schema: { summary: 'Start an agent step on an incident: it diagnoses and proposes within the policies, and asks for approval where they gate', params: Id, body: StartBody },
      // Starting a run can only lead to what policies allow, gated where they gate: the scope of asking for a decision.
      onRequest: async (req) => void auth.require(req, 'decide'),
    }, async (req, reply) => {
      const principal = auth.principalOf(req);
      const made = await createAgentRun(deps, {
        incidentId: req.params.id, agent: req.body.agent, maxSteps: req.body.max_steps, requestedBy: principal.kind === 'token' ? principal.name : 'local',
      });
      if (made.kind === 'not_found') throw new AppError('not_found', made.detail);
      if (made.kind === 'unknown_agent') throw new AppError('bad_request', made.detail, { details: [{ path: ['body', 'agent'], message: made.detail }] });
      await enqueueOrLeaveToSweep(deps.log, `agent run ${made.agentRunId}`, () => enqueueAgentRun(deps, made.agentRunId));
      return reply.code(202).send({ agent_run_id: made.agentRunId, status: 'running', href: `/v1/agent/runs/${made.agentRunId}` });
    });

    app.get('/v1/incidents/:id/agent', { schema: { summary: 'The agent runs of an incident, newest first', params: Id }, onRequest: async (req) => void auth.require(req, 'read') },
      async (req) => ({ agent_runs: await agentRunsOf(deps.pool, req.params.id) }));

    app.get('/v1/agent/runs/:id', {
      schema: { summary: 'One agent run: status, diagnosis, proposal, approval, execution, budget used, and every step', params: Id },
      onRequest: async (req) => void auth.require(req, 'read'),
    }, async (req) => {
      const run = await getAgentRun(deps.pool, req.params.id);
      if (!run) throw new AppError('not_found', `agent run ${req.params.id} does not exist`);
      const { lease_until: _lease, ...shown } = run;
      return { ...shown, steps: await agentSteps(deps.pool, run.id) };
    });
  };
}
