/**
 * The Argo Workflows executor, through the Argo Server's REST API with a bearer token.
 * A retry re-runs the failed nodes of the workflow in place; Argo refuses it unless the
 * workflow is Failed or Error, and then a finished workflow is resubmitted as a new one.
 * A rerun is always a resubmit: a new workflow from the same spec.
 */
import type { Action } from '../policies/action.ts';
import { compareArgo, observeArgo } from './argo-observe.ts';
import { authorizedCall } from './auth.ts';
import { argoCredentials } from './credentials.ts';
import type { ArgoConnection } from './config.ts';
import { done, planAction, refused, unsupported, type ArgoTarget, type ExecutionOutcome, type Executor } from './executor.ts';
import { jsonRequest, type HttpDeps, type HttpRequest } from './http.ts';
import { dryRunOf, refusedDryRun, type RemedyParts } from './remedy.ts';

const enc = encodeURIComponent;

/** Why Argo refused a retry, as its `FormulateRetryWorkflow` words it, and in which phase. */
export function refusedRetryPhase(status: number, message: string): string | undefined {
  if (status !== 400) return undefined;
  if (/to retry a succeeded workflow/i.test(message)) return 'Succeeded';
  return /cannot retry a workflow in phase (\w+)/i.exec(message)?.[1];
}

function nameIn(body: unknown): { name?: string; phase?: string } {
  if (typeof body !== 'object' || body === null) return {};
  const b = body as { metadata?: { name?: unknown }; status?: { phase?: unknown } };
  return {
    ...(typeof b.metadata?.name === 'string' ? { name: b.metadata.name } : {}),
    ...(typeof b.status?.phase === 'string' ? { phase: b.status.phase } : {}),
  };
}

type Verb = 'retry' | 'resubmit';

/** The first call an action amounts to. */
function firstCall(c: ArgoConnection, action: Action, t: ArgoTarget, key: string): { verb: Verb; req: HttpRequest } | { verb: 'refused'; outcome: ExecutionOutcome } {
  const url = (verb: Verb) => `${c.url}/api/v1/workflows/${enc(t.namespace)}/${enc(t.name)}/${verb}`;
  const retryBody = { name: t.name, namespace: t.namespace, restartSuccessful: false, nodeFieldSelector: t.nodeFieldSelector ?? '', parameters: [] };
  // memoized=false: Argo allows memoized resubmits of Failed/Error workflows only.
  const resubmitBody = { name: t.name, namespace: t.namespace, memoized: false, parameters: [] };
  return planAction<ReturnType<typeof firstCall>>(action, {
    retry: () => ({ verb: 'retry', req: jsonRequest('PUT', url('retry'), retryBody, { 'idempotency-key': key }) }),
    rerun: () => ({ verb: 'resubmit', req: jsonRequest('PUT', url('resubmit'), resubmitBody, { 'idempotency-key': key }) }),
  }, () => ({ verb: 'refused', outcome: unsupported(action, 'Argo') }));
}

/** Builds the executor for one Argo Server, with its dry run and observation. */
export function argoRemedy(connection: ArgoConnection, deps: HttpDeps): RemedyParts<ArgoTarget> {
  const credentials = argoCredentials(connection);
  const call = (t: ArgoTarget, req: HttpRequest, verb: Verb) => authorizedCall(req, credentials, connection, deps, `Argo ${verb} ${t.namespace}/${t.name}`);

  const resubmit = async (t: ArgoTarget, key: string, why: string): Promise<ExecutionOutcome> => {
    const first = firstCall(connection, { kind: 'rerun', delay_s: 0, include_downstream: true }, t, key);
    if (first.verb === 'refused') return first.outcome;
    const c = await call(t, first.req, 'resubmit');
    if (c.kind === 'failed') return c.outcome;
    const created = nameIn(c.response.json).name ?? '?';
    return done(`${why}resubmitted ${t.namespace}/${t.name} as ${t.namespace}/${created}`, c.response.json);
  };

  const retry = async (t: ArgoTarget, req: HttpRequest, key: string): Promise<ExecutionOutcome> => {
    const c = await call(t, req, 'retry');
    if (c.kind === 'ok') {
      const phase = nameIn(c.response.json).phase;
      return done(`retried the failed nodes of ${t.namespace}/${t.name}${phase ? ` (now ${phase})` : ''}`, c.response.json);
    }
    const phase = c.outcome.status === undefined ? undefined : refusedRetryPhase(c.outcome.status, c.outcome.detail);
    if (phase === undefined) return c.outcome;
    // A workflow still running would run twice if resubmitted beside itself.
    if (phase === 'Running' || phase === 'Pending') {
      return refused(`Argo refused to retry ${t.namespace}/${t.name}: it is still ${phase}; not resubmitted, which would run it twice`, 400);
    }
    return resubmit(t, key, `Argo refused to retry in phase ${phase}; `);
  };

  return {
    async execute({ action, target, idempotencyKey }) {
      const first = firstCall(connection, action, target, idempotencyKey);
      if (first.verb === 'refused') return first.outcome;
      return first.verb === 'retry' ? retry(target, first.req, idempotencyKey) : resubmit(target, idempotencyKey, '');
    },
    describe({ action, target, idempotencyKey }) {
      const first = firstCall(connection, action, target, idempotencyKey);
      if (first.verb === 'refused') return refusedDryRun(first.outcome);
      const note = first.verb === 'retry' ? 'if Argo refuses to retry a finished workflow, Medic resubmits it instead (PUT …/resubmit)' : undefined;
      return dryRunOf('argo', first.req, { authorization: 'Bearer ••••' }, note);
    },
    observe: ({ target }) => observeArgo(connection, credentials, deps, target),
    compare: compareArgo,
  };
}

/** Builds the executor for one Argo Server. */
export function argoExecutor(connection: ArgoConnection, deps: HttpDeps): Executor<ArgoTarget> {
  return argoRemedy(connection, deps).execute;
}
