import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { getExecution } from '../remediation/execute-sql.ts';
import { approvalDetail } from './approvals.ts';
import { listAudit } from './audit.ts';
import { apiVoter, refusalError } from './identity.ts';
import { listProposals } from './proposals-sql.ts';
import { ApprovalStatus, ApproveBody, AuditQuery, ModifyBody, RejectBody } from './schema.ts';
import { listApprovals } from './sql.ts';
import { castVote, modifyApproval, type ModifyOutcome, type VoteOutcome } from './vote.ts';

const Id = z.object({ id: z.coerce.number().int().positive() });

function answered<T extends VoteOutcome | ModifyOutcome>(id: number, outcome: T): Exclude<T, { kind: 'refused' } | { kind: 'not_found' }> {
  if (outcome.kind === 'not_found') throw new AppError('not_found', `approval ${id} does not exist`);
  if (outcome.kind === 'refused') throw refusalError(outcome);
  return outcome as Exclude<T, { kind: 'refused' } | { kind: 'not_found' }>;
}

/** Approvals (list, detail, approve, reject, modify), executions, the audit log and policy proposals. */
export function approvalRoutes(deps: Deps, auth: Authenticator): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const read = { onRequest: async (req: Parameters<Authenticator['require']>[0]) => void auth.require(req, 'read') };
    const approve = { onRequest: async (req: Parameters<Authenticator['require']>[0]) => void auth.require(req, 'approve') };

    app.get('/v1/approvals', {
      schema: {
        summary: 'Approval requests, newest first',
        querystring: z.strictObject({ status: ApprovalStatus.optional(), incident: z.coerce.number().int().positive().optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      },
      ...read,
    }, async (req) => ({
      approvals: await listApprovals(deps.pool, { limit: req.query.limit, ...(req.query.status ? { status: req.query.status } : {}), ...(req.query.incident ? { incidentId: req.query.incident } : {}) }),
    }));

    app.get('/v1/approvals/:id', { schema: { summary: 'One approval request with its evidence, dry run, votes and execution', params: Id }, ...read }, async (req) => {
      const detail = await approvalDetail(deps.pool, req.params.id);
      if (!detail) throw new AppError('not_found', `approval ${req.params.id} does not exist`);
      return detail;
    });

    app.post('/v1/approvals/:id/approve', { schema: { summary: 'Approve the current version of the action', params: Id, body: ApproveBody }, ...approve }, async (req) => {
      const voter = apiVoter(auth.require(req, 'approve'), req.body.as);
      return answered(req.params.id, await castVote(deps, req.params.id, voter, 'approve', req.body.reason ?? null, { actionVersion: req.body.action_version }));
    });

    app.post('/v1/approvals/:id/reject', { schema: { summary: 'Reject the request, saying why', params: Id, body: RejectBody }, ...approve }, async (req) => {
      const voter = apiVoter(auth.require(req, 'approve'), req.body.as);
      return answered(req.params.id, await castVote(deps, req.params.id, voter, 'reject', req.body.reason, { actionVersion: req.body.action_version }));
    });

    app.post('/v1/approvals/:id/modify', { schema: { summary: 'Change the delay or target within the policy\'s bounds (a new version to approve)', params: Id, body: ModifyBody }, ...approve }, async (req) => {
      const voter = apiVoter(auth.require(req, 'approve'), req.body.as);
      const change = { delay_s: req.body.delay_s, from_task: req.body.from_task };
      return answered(req.params.id, await modifyApproval(deps, req.params.id, voter, change, req.body.reason ?? null, { actionVersion: req.body.action_version }));
    });

    app.get('/v1/executions/:id', { schema: { summary: 'One execution: its state, outcome and verification', params: Id }, ...read }, async (req) => {
      const e = await getExecution(deps.pool, req.params.id);
      if (!e) throw new AppError('not_found', `execution ${req.params.id} does not exist`);
      const { lease_token: _token, ...shown } = e;
      return shown;
    });

    app.get('/v1/audit', { schema: { summary: 'The audit log of one incident, decision, approval or execution, oldest first', querystring: AuditQuery }, ...read },
      async (req) => ({ entries: await listAudit(deps.pool, req.query) }));

    app.get('/v1/policies/proposals', {
      schema: {
        summary: 'Policies Medic proposes: actions whose track record earned running without approval (never applied by Medic)',
        querystring: z.strictObject({ status: z.enum(['open', 'dismissed', 'applied-elsewhere']).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      },
      ...read,
    }, async (req) => ({ proposals: await listProposals(deps.pool, { limit: req.query.limit, ...(req.query.status ? { status: req.query.status } : {}) }) }));
  };
}
