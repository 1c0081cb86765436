/**
 * The traced service: `group-close`, 1,000 jobs in 25 layers of 40 across four schedulers. Each
 * job past the first layer waits for one to three jobs of the layers just above it; ingest learned
 * each of those edges from a dataset the upstream job writes, from the scheduler's declaration, or
 * both. Drawn from a seeded generator, so every seed has the same DAG.
 */
import { seeded } from '../../src/demo/random.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';

export const SERVICE = 'group-close';
export const LAYERS = 25;
export const WIDTH = 40;
/** Minutes between the starts of two layers: every job of a layer ends within them. */
export const LAYER_MINUTES = 10;

/** One job of the service, by its place in the DAG. */
export interface DagJob {
  /** `namespace/name`, as services name jobs. */
  job: string;
  namespace: string;
  name: string;
  source: string;
  orchestrator: string;
  layer: number;
  task: number;
  /** The dataset it writes. */
  output: string;
}

/** One dependency, and how ingest learned it. */
export interface DagEdge {
  upstream: string;
  downstream: string;
  declared: boolean;
  /** The upstream's output that the downstream reads, when lineage reported it. */
  dataset: string | null;
}

export interface Dag {
  jobs: DagJob[];
  edges: DagEdge[];
}

/** Extracts on the mainframe scheduler, the warehouse in Airflow, Spark over OpenLineage, models in Argo. */
function systemOf(layer: number, task: number): { source: string; orchestrator: string } {
  if (layer < 4) return { source: 'controlm-core', orchestrator: 'controlm' };
  if (layer >= 21 && task % 4 === 0) return { source: 'argo-ml', orchestrator: 'argo' };
  if (task % 5 === 0) return { source: 'ol-spark', orchestrator: 'openlineage' };
  return { source: 'airflow-prod', orchestrator: 'airflow' };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function groupClose(): Dag {
  const r = seeded(17);
  const jobs: DagJob[] = [];
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let task = 0; task < WIDTH; task++) {
      const { source, orchestrator } = systemOf(layer, task);
      const name = `group_close.l${pad(layer)}_t${pad(task)}`;
      jobs.push({ job: `${source}/${name}`, namespace: source, name, source, orchestrator, layer, task, output: `warehouse/${name}` });
    }
  }
  const at = (layer: number, task: number) => jobs[layer * WIDTH + task] as DagJob;
  const edges: DagEdge[] = [];
  for (const j of jobs.filter((x) => x.layer > 0)) {
    const ups = new Set<DagJob>([at(j.layer - 1, j.task)]);
    const more = r.int(0, 2);
    for (let k = 0; k < more; k++) {
      const layer = j.layer >= 2 && r.chance(0.3) ? j.layer - 2 : j.layer - 1;
      ups.add(at(layer, r.int(0, WIDTH - 1)));
    }
    for (const u of ups) {
      const how = r.next();
      edges.push({ upstream: u.job, downstream: j.job, declared: how >= 0.6, dataset: how < 0.75 ? u.output : null });
    }
  }
  return { jobs, edges };
}

/** The service as `medic services apply` takes it: every job listed, with what it waits for. */
export function definitionOf(dag: Dag): ServiceDefinition {
  const after = new Map<string, string[]>();
  for (const e of dag.edges) after.set(e.downstream, [...(after.get(e.downstream) ?? []), e.upstream]);
  return ServiceDefinition.parse({
    name: SERVICE, title: 'Group close (1,000 jobs)', criticality: 'critical', owners: ['close-oncall'],
    deadline: { kind: 'time', at: '07:00', timeZone: 'UTC', calendar: 'daily' },
    jobs: dag.jobs.map((j) => ({ job: j.job, after: after.get(j.job) ?? [] })),
  });
}

/** The job that fails for good on the last day, and every job downstream of it (they never start). */
export function lastDayFailure(dag: Dag): { failed: string; skipped: string[] } {
  const failed = dag.jobs.find((j) => j.layer === LAYERS - 3 && j.task === 7)?.job ?? '';
  const down = new Map<string, string[]>();
  for (const e of dag.edges) down.set(e.upstream, [...(down.get(e.upstream) ?? []), e.downstream]);
  const skipped = new Set<string>();
  const queue = [failed];
  for (let k = 0; k < queue.length; k++) {
    for (const d of down.get(queue[k] as string) ?? []) {
      if (skipped.has(d)) continue;
      skipped.add(d);
      queue.push(d);
    }
  }
  return { failed, skipped: [...skipped] };
}
