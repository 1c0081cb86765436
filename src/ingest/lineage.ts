import type { JobRef, Lineage } from '../runs/schema.ts';

/** The name Medic gives a dataset: namespace and name joined by `/`, as OpenLineage writes them. */
export function datasetName(d: { namespace: string; name: string }): string {
  return `${d.namespace}/${d.name}`;
}

function uniqueJobs(refs: JobRef[] | undefined, self: JobRef | undefined): JobRef[] {
  const seen = new Map<string, JobRef>();
  for (const r of refs ?? []) {
    // A job that names itself as its own dependency says nothing about the pipeline.
    if (self && r.namespace === self.namespace && r.name === self.name) continue;
    seen.set(`${r.namespace}\u0000${r.name}`, { namespace: r.namespace, name: r.name });
  }
  return [...seen.values()];
}

/**
 * The lineage of one event from what its payload said, each dataset and job once; undefined when
 * it said nothing, so that an event without lineage carries no field and costs nothing to store.
 */
export function lineageOf(self: JobRef | undefined, parts: { [K in keyof Lineage]?: Lineage[K] | undefined }): Lineage | undefined {
  const inputs = [...new Set(parts.inputs ?? [])];
  const outputs = [...new Set(parts.outputs ?? [])];
  const upstream = uniqueJobs(parts.upstream, self);
  const downstream = uniqueJobs(parts.downstream, self);
  if (inputs.length + outputs.length + upstream.length + downstream.length === 0) return undefined;
  return { inputs, outputs, upstream, downstream };
}

/**
 * Task ids from the Airflow provider's `upstream_task_ids` / `downstream_task_ids`. The provider
 * prints a Python list (or set) as a string, `"['extract', 'load']"`; a JSON array is taken too.
 * Airflow task ids hold no quotes, so picking the quoted words is exact.
 */
export function airflowTaskIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value !== 'string') return [];
  return [...value.matchAll(/'([^']+)'|"([^"]+)"/g)].map((m) => m[1] ?? m[2] ?? '').filter((id) => id.length > 0);
}
