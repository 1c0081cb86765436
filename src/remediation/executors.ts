/**
 * The executors of the configured connections, chosen by the run's source: its own connection
 * of the target's kind, else a webhook (its own or `*`) that receives the action in its place.
 * Built once at start-up; each executor keeps its token cache for the life of the process.
 */
import { airflowRemedy } from './airflow.ts';
import { argoRemedy } from './argo.ts';
import type { ExecutorConnection } from './config.ts';
import { controlmRemedy } from './controlm.ts';
import { refused, type ExecutionOutcome, type ExecutionRequest, type RunRef, type WebhookTarget } from './executor.ts';
import type { HttpDeps } from './http.ts';
import { connectionSecrets, redacted, redactor } from './redact.ts';
import { refusedDryRun, type DryRun, type Observation, type RemedyParts } from './remedy.ts';
import { webhookRemedy } from './webhook.ts';

/** An execution for a run of `source`; `run` is passed on to webhooks. */
export interface SourcedRequest extends ExecutionRequest {
  source: string;
  run?: RunRef;
}

export type Execute = (request: SourcedRequest) => Promise<ExecutionOutcome>;

/** Every executor behind one dispatcher: execute, dry run, observe the target, compare observations. */
export interface Remedy {
  execute: Execute;
  describe(request: SourcedRequest): DryRun;
  observe(request: SourcedRequest): Promise<Observation>;
  /** Whether the effect of the request shows between two observations of its target. */
  compare(request: SourcedRequest, before: Record<string, unknown>, after: Record<string, unknown>): { applied: boolean; detail: string };
}

/** The connection's executor, with its credentials redacted from every outcome and observation it reports. */
function build(c: ExecutorConnection, deps: HttpDeps): RemedyParts {
  const parts = buildFor(c, deps);
  const clean = redactor(connectionSecrets(c));
  return {
    ...parts,
    execute: async (r) => redacted(await parts.execute(r), clean),
    observe: async (r) => redacted(await parts.observe(r), clean),
  };
}

function buildFor(c: ExecutorConnection, deps: HttpDeps): RemedyParts {
  // Each executor checks the target kind it was built for; the dispatcher only pairs equal kinds.
  const wrong = (kind: string) => refused(`internal: a ${kind} target reached the ${c.kind} executor`);
  const narrow = <T extends ExecutionRequest['target']>(parts: RemedyParts<T & ExecutionRequest['target']>, is: (t: ExecutionRequest['target']) => t is T): RemedyParts => ({
    execute: (r) => (is(r.target) ? parts.execute({ ...r, target: r.target }) : Promise.resolve(wrong(r.target.kind))),
    describe: (r) => (is(r.target) ? parts.describe({ ...r, target: r.target }) : refusedDryRun(wrong(r.target.kind))),
    observe: (r) => (is(r.target) ? parts.observe({ ...r, target: r.target }) : Promise.resolve({ kind: 'failed', retryable: false, detail: `a ${r.target.kind} target` })),
    compare: parts.compare,
  });
  switch (c.kind) {
    case 'airflow':
      return narrow(airflowRemedy(c, deps), (t) => t.kind === 'airflow');
    case 'argo':
      return narrow(argoRemedy(c, deps), (t) => t.kind === 'argo');
    case 'controlm':
      return narrow(controlmRemedy(c, deps), (t) => t.kind === 'controlm');
    case 'webhook':
      return narrow(webhookRemedy(c, deps), (t) => t.kind === 'webhook');
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** Builds the dispatcher over `connections` (from `parseExecutorConnections`), with dry runs and observation. */
export function createRemedy(connections: readonly ExecutorConnection[], deps: HttpDeps): Remedy {
  const entries = connections.map((connection) => ({ connection, parts: build(connection, deps) }));
  const own = (source: string) => entries.find((e) => e.connection.source === source);
  const webhookFor = (source: string) => {
    const mine = own(source);
    if (mine?.connection.kind === 'webhook') return mine;
    const catchAll = entries.find((e) => e.connection.source === '*');
    return catchAll?.connection.kind === 'webhook' ? catchAll : undefined;
  };

  /** The executor a request goes to, and the request as it goes (forwarded to a webhook when need be). */
  const route = ({ source, run, ...request }: SourcedRequest): { parts: RemedyParts; request: ExecutionRequest } | { refused: ExecutionOutcome } => {
    const { target } = request;
    const entry = own(source);
    const kind = entry?.connection.kind;
    if (entry && target.kind !== 'webhook' && kind === target.kind) return { parts: entry.parts, request };
    if (target.kind !== 'webhook' && kind !== undefined && kind !== 'webhook') {
      return { refused: refused(`source "${source}" is connected to ${kind}, not ${target.kind}`) };
    }
    const hook = webhookFor(source);
    if (!hook) {
      return { refused: refused(target.kind === 'webhook'
        ? `no webhook connection for source "${source}" (nor "*") to sign the delivery with`
        : `no executor configured for source "${source}"`) };
    }
    const forwarded: WebhookTarget = target.kind === 'webhook'
      ? { ...target, ...(run && !target.run ? { run } : {}) }
      : { kind: 'webhook', forwarded: target, ...(run ? { run } : {}) };
    return { parts: hook.parts, request: { ...request, target: forwarded } };
  };

  return {
    execute: async (r) => {
      const to = route(r);
      return 'refused' in to ? to.refused : to.parts.execute(to.request);
    },
    describe: (r) => {
      const to = route(r);
      return 'refused' in to ? refusedDryRun(to.refused) : to.parts.describe(to.request);
    },
    observe: async (r) => {
      const to = route(r);
      if ('refused' in to) return { kind: 'failed', retryable: false, detail: to.refused.kind === 'failed' ? to.refused.detail : 'refused' };
      return to.parts.observe(to.request);
    },
    compare: (r, before, after) => {
      const to = route(r);
      return 'refused' in to ? { applied: false, detail: 'no executor' } : to.parts.compare(r.action, before, after);
    },
  };
}

/** Builds the dispatcher over `connections` (from `parseExecutorConnections`). */
export function createExecutors(connections: readonly ExecutorConnection[], deps: HttpDeps): Execute {
  return createRemedy(connections, deps).execute;
}
