/**
 * The executors of the configured connections, chosen by the run's source: its own connection
 * of the target's kind, else a webhook (its own or `*`) that receives the action in its place.
 * Built once at start-up; each executor keeps its token cache for the life of the process.
 */
import { airflowExecutor } from './airflow.ts';
import { argoExecutor } from './argo.ts';
import type { ExecutorConnection } from './config.ts';
import { controlmExecutor } from './controlm.ts';
import { refused, type ExecutionOutcome, type ExecutionRequest, type Executor, type RunRef, type WebhookTarget } from './executor.ts';
import type { HttpDeps } from './http.ts';
import { webhookExecutor } from './webhook.ts';

/** An execution for a run of `source`; `run` is passed on to webhooks. */
export interface SourcedRequest extends ExecutionRequest {
  source: string;
  run?: RunRef;
}

export type Execute = (request: SourcedRequest) => Promise<ExecutionOutcome>;

function build(c: ExecutorConnection, deps: HttpDeps): Executor {
  // Each executor checks the target kind it was built for; the dispatcher only pairs equal kinds.
  const wrong = (kind: string) => refused(`internal: a ${kind} target reached the ${c.kind} executor`);
  switch (c.kind) {
    case 'airflow': {
      const run = airflowExecutor(c, deps);
      return (r) => (r.target.kind === 'airflow' ? run({ ...r, target: r.target }) : Promise.resolve(wrong(r.target.kind)));
    }
    case 'argo': {
      const run = argoExecutor(c, deps);
      return (r) => (r.target.kind === 'argo' ? run({ ...r, target: r.target }) : Promise.resolve(wrong(r.target.kind)));
    }
    case 'controlm': {
      const run = controlmExecutor(c, deps);
      return (r) => (r.target.kind === 'controlm' ? run({ ...r, target: r.target }) : Promise.resolve(wrong(r.target.kind)));
    }
    case 'webhook': {
      const run = webhookExecutor(c, deps);
      return (r) => (r.target.kind === 'webhook' ? run({ ...r, target: r.target }) : Promise.resolve(wrong(r.target.kind)));
    }
    default: {
      const never: never = c;
      return never;
    }
  }
}

/** Builds the dispatcher over `connections` (from `parseExecutorConnections`). */
export function createExecutors(connections: readonly ExecutorConnection[], deps: HttpDeps): Execute {
  const entries = connections.map((connection) => ({ connection, execute: build(connection, deps) }));
  const own = (source: string) => entries.find((e) => e.connection.source === source);
  const webhookFor = (source: string) => {
    const mine = own(source);
    if (mine?.connection.kind === 'webhook') return mine;
    const catchAll = entries.find((e) => e.connection.source === '*');
    return catchAll?.connection.kind === 'webhook' ? catchAll : undefined;
  };

  return async ({ source, run, ...request }) => {
    const { target } = request;
    const entry = own(source);
    const kind = entry?.connection.kind;
    if (entry && target.kind !== 'webhook' && kind === target.kind) return entry.execute(request);
    if (target.kind !== 'webhook' && kind !== undefined && kind !== 'webhook') {
      return refused(`source "${source}" is connected to ${kind}, not ${target.kind}`);
    }
    const hook = webhookFor(source);
    if (!hook) {
      return refused(target.kind === 'webhook'
        ? `no webhook connection for source "${source}" (nor "*") to sign the delivery with`
        : `no executor configured for source "${source}"`);
    }
    const forwarded: WebhookTarget = target.kind === 'webhook'
      ? { ...target, ...(run && !target.run ? { run } : {}) }
      : { kind: 'webhook', forwarded: target, ...(run ? { run } : {}) };
    return hook.execute({ ...request, target: forwarded });
  };
}
