/**
 * From a stored run to what an executor acts on, reading the names each ingest adapter gave
 * it (src/ingest/*). Pure: the row comes from `target-sql.ts`.
 *
 * - Airflow task run: job `<source>/<dag_id>.<task_id>[<map_index>]`, run key = dag_run_id,
 *   parent job = the DAG. The DAG id is taken from the facets (`dag_id`) when an adapter kept
 *   it, else the parent job, else the external id (`dag/run/task/try`), so dotted DAG ids and
 *   task-group task ids split where Airflow split them. A DAG run (no parent) targets the run.
 * - Argo: namespace and workflow name from the facets (`argoNamespace`, `workflow`); a pod
 *   node's run key ends with its node id (`<workflow uid>/<node id>`) → `id=<node id>`.
 * - Control-M: the run key is the job order id (`server:orderId`).
 * - OpenLineage from Airflow's provider: parent job = the DAG, run key = the DAG run id.
 */
import type { Action } from '../policies/action.ts';
import type { AirflowTarget, ExecutionTarget, RunRef } from './executor.ts';

/** A run as stored (runs joined to jobs), with what identifies it at its source. */
export interface TargetableRun {
  source: string;
  orchestrator: string;
  namespace: string;
  name: string;
  runKey: string;
  externalId: string;
  facets: Record<string, unknown>;
  parent: { namespace: string; name: string; runKey: string } | null;
}

export type TargetResolution = { kind: 'target'; target: ExecutionTarget } | { kind: 'untargetable'; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const untargetable = (reason: string): TargetResolution => ({ kind: 'untargetable', reason });

export function runRefOf(run: TargetableRun): RunRef {
  return { source: run.source, namespace: run.namespace, name: run.name, runKey: run.runKey, externalId: run.externalId };
}

/** The Airflow DAG id of a task run, by the most reliable record of it. */
function dagIdOf(run: TargetableRun): string | undefined {
  const fromFacets = str(run.facets.dag_id);
  if (fromFacets) return fromFacets;
  if (run.parent && run.parent.runKey === run.runKey) return run.parent.name;
  const marker = `/${run.runKey}/`;
  const at = run.externalId.indexOf(marker);
  return at > 0 ? run.externalId.slice(0, at) : undefined;
}

/** `task[3]` → task and map index 3. */
function splitMapped(task: string): { taskId: string; mapIndex?: number } {
  const m = /^(.*)\[(\d+)\]$/.exec(task);
  return m?.[1] ? { taskId: m[1], mapIndex: Number(m[2]) } : { taskId: task };
}

function airflowTarget(run: TargetableRun, action: Action, dagId: string, task: string | undefined): TargetResolution {
  const { taskId, mapIndex } = task === undefined ? { taskId: undefined, mapIndex: undefined } : splitMapped(str(run.facets.task_id) ?? task);
  const fromTask = action.kind === 'rerun' ? action.from_task : undefined;
  const target: AirflowTarget = {
    kind: 'airflow',
    dagId,
    dagRunId: run.runKey,
    taskIds: fromTask ? [fromTask] : taskId ? [taskId] : [],
    // A rerun from another task names that task, not this instance's map index.
    ...(mapIndex !== undefined && !fromTask ? { mapIndex } : {}),
    includeDownstream: action.kind === 'rerun' ? action.include_downstream : false,
    // A rerun re-executes tasks whether or not they failed; everything else touches failures only.
    onlyFailed: action.kind !== 'rerun',
  };
  return { kind: 'target', target };
}

function fromAirflow(run: TargetableRun, action: Action): TargetResolution {
  if (!run.parent) return airflowTarget(run, action, str(run.facets.dag_id) ?? run.name, undefined);
  const dagId = dagIdOf(run);
  if (!dagId) return untargetable(`cannot tell the DAG of Airflow job "${run.name}"`);
  if (!run.name.startsWith(`${dagId}.`)) return untargetable(`Airflow job "${run.name}" is not a task of DAG "${dagId}"`);
  return airflowTarget(run, action, dagId, run.name.slice(dagId.length + 1));
}

function fromArgo(run: TargetableRun): TargetResolution {
  const name = str(run.facets.workflow);
  if (!name) return untargetable(`Argo run of "${run.name}" does not name its workflow (facet "workflow")`);
  const namespace = str(run.facets.argoNamespace) ?? run.namespace;
  // Pod runs are keyed `<workflow uid or name>/<node id>`; the workflow's own run has no node.
  const slash = run.runKey.lastIndexOf('/');
  const nodeId = run.parent && slash > 0 ? run.runKey.slice(slash + 1) : undefined;
  return { kind: 'target', target: { kind: 'argo', namespace, name, ...(nodeId ? { nodeFieldSelector: `id=${nodeId}` } : {}) } };
}

function fromOpenLineage(run: TargetableRun, action: Action): TargetResolution {
  const producer = str(run.facets.producer) ?? '';
  // Only Airflow's provider ties tries to a DAG run id; other producers name no orchestrator API.
  if (!/airflow/i.test(producer) || !run.parent || run.runKey === run.externalId) {
    return untargetable(`OpenLineage run of "${run.name}" (producer "${producer || 'unknown'}") names no orchestrator call Medic can make`);
  }
  const dagId = run.parent.name;
  if (!run.name.startsWith(`${dagId}.`)) return untargetable(`OpenLineage job "${run.name}" is not a task of DAG "${dagId}"`);
  return airflowTarget(run, action, dagId, run.name.slice(dagId.length + 1));
}

/**
 * The target of `action` on `run`. A webhook action targets its own URL; other actions target
 * the run's orchestrator. A run no executor can address says why.
 */
export function resolveTarget(run: TargetableRun, action: Action): TargetResolution {
  if (action.kind === 'webhook') return { kind: 'target', target: { kind: 'webhook', url: action.url, run: runRefOf(run) } };
  switch (run.orchestrator) {
    case 'airflow':
      return fromAirflow(run, action);
    case 'argo':
      return fromArgo(run);
    case 'controlm':
      return { kind: 'target', target: { kind: 'controlm', jobId: run.runKey } };
    case 'openlineage':
      return fromOpenLineage(run, action);
    case 'generic':
      return untargetable(`"${run.name}" came through the generic format, which names no orchestrator API; use a webhook action or connection`);
    default:
      return untargetable(`no executor knows the orchestrator "${run.orchestrator}"`);
  }
}
