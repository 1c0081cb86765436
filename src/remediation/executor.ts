/**
 * The executor contract: what an approved action is done to (a target), and how it ended (an
 * outcome). An executor is one function from a request to an outcome; it never throws for
 * anything an orchestrator can answer, so the queue reads `retryable` instead of guessing.
 *
 * Glossary (see DESIGN.md): an *action* is what a policy decided (retry, rerun …); an
 * *execution* is one attempt to do it through an executor; a *target* is the orchestrator's
 * own name for what the action touches (a DAG run's task instances, a workflow, a job).
 */
import type { Action } from '../policies/action.ts';

/** Task instances of one Airflow DAG run. */
export interface AirflowTarget {
  kind: 'airflow';
  dagId: string;
  dagRunId: string;
  /** The tasks to act on; empty means every task of the run (a DAG-level run failed). */
  taskIds: string[];
  /** Index of a mapped task instance; absent for unmapped tasks (Airflow's -1). */
  mapIndex?: number;
  /** Clear the tasks downstream of `taskIds` too (rerun only; a retry never widens). */
  includeDownstream: boolean;
  /** Clear only failed task instances (a retry always does). */
  onlyFailed: boolean;
}

/** One Argo workflow, and optionally the node inside it the run was. */
export interface ArgoTarget {
  kind: 'argo';
  namespace: string;
  name: string;
  /** Argo's node field selector, e.g. `id=wf-abc-123`; absent for the whole workflow. */
  nodeFieldSelector?: string;
}

/** One Control-M job order, by its id (`<server>:<orderId>`). */
export interface ControlmTarget {
  kind: 'controlm';
  jobId: string;
}

/** The run an action is about, as Medic names it; sent to webhooks so receivers know what to act on. */
export interface RunRef {
  source: string;
  namespace: string;
  name: string;
  runKey: string;
  externalId: string;
}

/** An HTTP endpoint that receives the action as signed JSON. */
export interface WebhookTarget {
  kind: 'webhook';
  /** Where to POST; the webhook connection's own URL when absent. */
  url?: string;
  run?: RunRef;
  /** The orchestrator target the webhook stands in for, when no executor of its kind is configured. */
  forwarded?: OrchestratorTarget;
}

export type OrchestratorTarget = AirflowTarget | ArgoTarget | ControlmTarget;
export type ExecutionTarget = OrchestratorTarget | WebhookTarget;
export type TargetKind = ExecutionTarget['kind'];

/** What an executor is asked to do. */
export interface ExecutionRequest<T extends ExecutionTarget = ExecutionTarget> {
  action: Action;
  target: T;
  /** Stable across redeliveries of the same execution; sent wherever the API takes a header. */
  idempotencyKey: string;
}

/**
 * How an execution ended. `retryable` is true only for timeouts, connection errors, 429 and
 * 5xx (after the executor's own bounded retries): a refusal (bad auth, not found, wrong phase)
 * will not change by asking again, so the queue must not.
 */
export type ExecutionOutcome =
  | { kind: 'done'; detail: string; response: unknown }
  | { kind: 'failed'; retryable: boolean; status?: number; detail: string };

/** An executor: one function from a request to its outcome. */
export type Executor<T extends ExecutionTarget = ExecutionTarget> = (request: ExecutionRequest<T>) => Promise<ExecutionOutcome>;

export function done(detail: string, response: unknown): ExecutionOutcome {
  return { kind: 'done', detail, response };
}

/** A refusal that asking again will not change. */
export function refused(detail: string, status?: number): ExecutionOutcome {
  return status === undefined ? { kind: 'failed', retryable: false, detail } : { kind: 'failed', retryable: false, status, detail };
}

/** What an executor does for each action it can do; the others it refuses. */
export type ActionPlans<T> = { [K in Action['kind']]?: (action: Extract<Action, { kind: K }>) => T };

/**
 * The plan of the action by its kind, or `otherwise` for a kind the executor cannot do: the
 * flow every orchestrator's executor shares, so none lists the actions it refuses.
 */
export function planAction<T>(action: Action, plans: ActionPlans<T>, otherwise: () => T): T {
  const planFor = plans[action.kind] as ((a: Action) => T) | undefined;
  return planFor ? planFor(action) : otherwise();
}

/** The answer for an action an executor cannot do: refused before any HTTP call. */
export function unsupported(action: Action, executor: string, why?: string): ExecutionOutcome {
  return refused(`the ${executor} executor cannot ${action.kind}${why ? `: ${why}` : ''}`);
}
