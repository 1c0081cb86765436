/**
 * Who may call each route, declared in one place. Every route `buildApp` registers must be here:
 * the authorisation matrix test (test/int/authorisation.int.test.ts) fails on a route that is
 * not, and holds every route to its declaration with no token, with each scope's token and, for
 * the console, without a session. The routes check access themselves (`auth.require`, the
 * console's guard, Slack's signature); this table is what they are held to.
 */
import type { Scope } from '../config.ts';

export type Access =
  /** A bearer token with this scope, or `admin`. */
  | { kind: 'scope'; scope: Scope }
  /** A console session (single sign-on or a pasted token), never a bearer token. */
  | { kind: 'session' }
  /** Slack's request signature (`SLACK_SIGNING_SECRET`). */
  | { kind: 'slack' }
  /** Anyone: what a probe, a scraper, a browser before sign-in or the sign-in itself needs. */
  | { kind: 'public'; why: string };

const scope = (s: Scope): Access => ({ kind: 'scope', scope: s });
const session: Access = { kind: 'session' };
const open = (why: string): Access => ({ kind: 'public', why });

export const ACCESS: Readonly<Record<string, Access>> = {
  'GET /docs': open('the API documentation'),
  'GET /docs/*': open('the API documentation'),
  'GET /healthz': open('liveness probes'),
  'GET /readyz': open('readiness probes'),
  'GET /metrics': open('Prometheus scrapes; counts and timings only'),
  'POST /v1/events': scope('ingest'),
  'POST /api/v1/lineage': scope('ingest'),
  'GET /v1/sources': scope('read'),
  'GET /v1/sources/:name': scope('read'),
  'POST /v1/sources/:name/sync': scope('admin'),
  'GET /v1/runs': scope('read'),
  'GET /v1/runs/:id': scope('read'),
  'GET /v1/jobs': scope('read'),
  'GET /v1/jobs/:id': scope('read'),
  'GET /v1/jobs/:id/lineage': scope('read'),
  'GET /v1/jobs/:id/runs': scope('read'),
  'GET /v1/datasets': scope('read'),
  'GET /v1/datasets/:id': scope('read'),
  'GET /v1/incidents': scope('read'),
  'GET /v1/incidents/:id': scope('read'),
  'POST /v1/incidents/:id/resolve': scope('approve'),
  'GET /v1/signatures': scope('read'),
  'POST /v1/signatures/match': scope('read'),
  'POST /v1/services': scope('admin'),
  'GET /v1/services': scope('read'),
  'GET /v1/services/:name': scope('read'),
  'GET /v1/services/:name/forecast': scope('read'),
  'GET /v1/sla/risks': scope('read'),
  'GET /v1/insights/time-buffers': scope('read'),
  'GET /v1/services/:name/instances/:key/trace': scope('read'),
  'GET /v1/services/:name/instances/:key/origin': scope('read'),
  'POST /v1/services/:name/instances/:key/origin/decide': scope('decide'),
  'GET /v1/incidents/:id/origin': scope('read'),
  'GET /v1/policies': scope('read'),
  'POST /v1/policies/validate': scope('read'),
  'POST /v1/policies/reload': scope('admin'),
  'GET /v1/policies/revisions': scope('read'),
  'GET /v1/policies/revisions/:id': scope('read'),
  'POST /v1/policies/revisions': scope('admin'),
  'POST /v1/policies/revisions/:id/activate': scope('admin'),
  'POST /v1/decide': scope('decide'),
  'POST /v1/data/medic/decision': scope('decide'),
  'GET /v1/decisions': scope('read'),
  'GET /v1/decisions/:id': scope('read'),
  'GET /v1/approvals': scope('read'),
  'GET /v1/approvals/:id': scope('read'),
  'POST /v1/approvals/:id/approve': scope('approve'),
  'POST /v1/approvals/:id/reject': scope('approve'),
  'POST /v1/approvals/:id/modify': scope('approve'),
  'GET /v1/executions/:id': scope('read'),
  'GET /v1/audit': scope('read'),
  'GET /v1/policies/proposals': scope('read'),
  'POST /v1/incidents/:id/agent': scope('decide'),
  'GET /v1/incidents/:id/agent': scope('read'),
  'GET /v1/agent/runs/:id': scope('read'),
  'POST /slack/events': { kind: 'slack' },
  'GET /assets/:hash/:name': open("the console's scripts and styles, before sign-in too"),
  'GET /favicon.ico': open('browsers ask before sign-in'),
  'GET /login': open('the sign-in page'),
  'POST /login': open('signing in with a token'),
  'GET /auth/sso': open('single sign-on starts here'),
  'GET /auth/callback': open('the identity provider comes back here'),
  'POST /logout': session,
  'GET /events': session,
  'GET /': session,
  'GET /now/approvals': session,
  'GET /now/risks': session,
  'GET /now/incidents': session,
  'GET /now/executions': session,
  'GET /approvals': session,
  'GET /approvals/:id': session,
  'GET /approvals/:id/state': session,
  'POST /approvals/:id/approve': session,
  'POST /approvals/:id/reject': session,
  'POST /approvals/:id/modify': session,
  'GET /incidents': session,
  'GET /incidents/:id': session,
  'GET /incidents/:id/state': session,
  'POST /incidents/:id/resolve': session,
  'GET /sla': session,
  'GET /sla/board': session,
  'GET /services/:name': session,
  'GET /services/:name/forecast': session,
  'GET /services/:name/lineage': session,
  'GET /services/:name/lineage/region': session,
  'GET /incidents/:id/lineage': session,
  'GET /incidents/:id/lineage/region': session,
  'GET /decisions': session,
  'GET /decisions/:id': session,
  'GET /audit': session,
  'GET /policies': session,
  'GET /policies/lint': session,
  'GET /policies/backtest': session,
  'GET /policies/:id/backtest': session,
  'GET /policies/revisions': session,
  'GET /policies/revisions/:id': session,
};
