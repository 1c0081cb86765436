import { z } from 'zod';
import type { JobRef, Lineage } from '../runs/schema.ts';
import { airflowTaskIds, datasetName, lineageOf } from './lineage.ts';

// Facets are read by hand rather than through zod: this runs for every event ingested, most say
// nothing about lineage, and a lenient read must never refuse an event Medic took before.
const record = (v: unknown): Record<string, unknown> | undefined =>
  (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const text = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

// OpenLineage's JobDependenciesRunFacet (1-0-1): control-flow neighbours, named as jobs. Rare
// enough to be read through its schema.
const Dependency = z.looseObject({ job: z.looseObject({ namespace: z.string().min(1).max(500), name: z.string().min(1).max(1_000) }) });
const JobDependencies = z.looseObject({ upstream: z.array(z.unknown()).optional(), downstream: z.array(z.unknown()).optional() });

/** The parts of a RunEvent lineage is read from; the adapter has validated `job` already. */
export interface LineageSource {
  job: JobRef;
  inputs?: unknown;
  outputs?: unknown;
  facets: Record<string, unknown> | undefined;
}

/** The name of an OpenLineage dataset, undefined when it lacks a namespace or a name. */
export function openLineageDataset(d: unknown): string | undefined {
  const namespace = text(record(d)?.namespace, 500);
  const name = text(record(d)?.name, 1_400);
  return namespace && name ? datasetName({ namespace, name }) : undefined;
}

const hasItems = (list: unknown): boolean => Array.isArray(list) && list.length > 0;

/** Datasets that name their namespace and name; a malformed one is skipped, never the event. */
function datasets(list: unknown): string[] {
  if (!Array.isArray(list) || list.length === 0) return [];
  const out: string[] = [];
  for (const d of list) {
    const name = openLineageDataset(d);
    if (name) out.push(name);
  }
  return out;
}

function dependencyJobs(list: unknown[] | undefined): JobRef[] {
  return (list ?? []).flatMap((d) => {
    const p = Dependency.safeParse(d);
    return p.success ? [{ namespace: p.data.job.namespace, name: p.data.job.name }] : [];
  });
}

/**
 * Airflow task neighbours as jobs. The provider names a task's job `<dag_id>.<task_id>` in the
 * event's namespace, so its neighbours are named the same way.
 */
function airflowNeighbours(e: LineageSource): { upstream: JobRef[]; downstream: JobRef[] } {
  const airflow = record(e.facets?.airflow);
  const task = record(airflow?.task);
  if (task?.upstream_task_ids === undefined && task?.downstream_task_ids === undefined) return { upstream: [], downstream: [] };
  const taskId = text(task.task_id, 1_000);
  const fromName = taskId && e.job.name.endsWith(`.${taskId}`) ? e.job.name.slice(0, -taskId.length - 1) : undefined;
  const dagId = text(record(airflow?.dag)?.dag_id, 1_000) ?? text(record(airflow?.dagRun)?.dag_id, 1_000) ?? fromName;
  if (!dagId) return { upstream: [], downstream: [] };
  const jobs = (ids: unknown) => airflowTaskIds(ids).map((id) => ({ namespace: e.job.namespace, name: `${dagId}.${id}` }));
  return { upstream: jobs(task.upstream_task_ids), downstream: jobs(task.downstream_task_ids) };
}

/** What a RunEvent says about lineage: its datasets, the Airflow task's neighbours, its job dependencies. */
export function openLineageLineage(e: LineageSource): Lineage | undefined {
  // Most events name no dataset and no neighbour: say so before building the empty lists.
  const task = record(record(e.facets?.airflow)?.task);
  if (!hasItems(e.inputs) && !hasItems(e.outputs) && e.facets?.jobDependencies === undefined
    && task?.upstream_task_ids === undefined && task?.downstream_task_ids === undefined) return undefined;
  const airflow = airflowNeighbours(e);
  const deps = e.facets?.jobDependencies === undefined ? undefined : JobDependencies.safeParse(e.facets.jobDependencies);
  const declared = deps?.success ? deps.data : {};
  return lineageOf(e.job, {
    inputs: datasets(e.inputs),
    outputs: datasets(e.outputs),
    upstream: [...airflow.upstream, ...dependencyJobs(declared.upstream)],
    downstream: [...airflow.downstream, ...dependencyJobs(declared.downstream)],
  });
}
