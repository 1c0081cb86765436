import type { FastifyInstance } from 'fastify';
import type { ConsoleKit } from '../kit.ts';
import { approvalRoutes } from './approval.ts';
import { approvalListRoutes } from './approvals.ts';
import { auditRoutes } from './audit.ts';
import { decisionRoutes } from './decisions.ts';
import { incidentRoutes } from './incidents.ts';
import { lineageRoutes } from './lineage.ts';
import { nowRoutes } from './now.ts';
import { policyRoutes } from './policies.ts';
import { policyRevisionRoutes } from './policy-revision.ts';
import { policyRevisionListRoutes } from './policy-revisions.ts';
import { slaRoutes } from './sla.ts';

/** Every page of the console. */
export function consolePages(app: FastifyInstance, kit: ConsoleKit): void {
  nowRoutes(app, kit);
  approvalListRoutes(app, kit);
  approvalRoutes(app, kit);
  incidentRoutes(app, kit);
  slaRoutes(app, kit);
  lineageRoutes(app, kit);
  decisionRoutes(app, kit);
  auditRoutes(app, kit);
  policyRoutes(app, kit);
  policyRevisionRoutes(app, kit);
  policyRevisionListRoutes(app, kit);
}
