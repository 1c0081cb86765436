/**
 * Glossary: a *world* is one daily business service built from a real DAG shape — its jobs, the
 * orchestrator each runs on, the dataset each writes, its clock-triggered consumers and its
 * deadline; a *day* is one instance of it (see simulate.ts), posted in each orchestrator's format.
 */
import { seeded, type Random } from '../../src/demo/random.ts';
import { levels, loadShape, type ShapeTask } from './workflows.ts';

/** The payload formats a job's runs are reported in. */
export type Format = 'openlineage' | 'argo' | 'controlm' | 'generic';

export interface Dataset {
  namespace: string;
  name: string;
}

export interface WorldJob {
  /** The task's short id in its shape, e.g. `bowtie2_build`. */
  id: string;
  /** Medic's name of the job, `namespace/name`, as the job's format makes it. */
  job: string;
  format: Format;
  /** The Airflow DAG, Argo workflow template, Control-M folder or generic namespace it runs in. */
  group: string;
  parents: string[];
  children: string[];
  medianMin: number;
  sigma: number;
  /** Chance on a day of a failure that a retry recovers. */
  flakyP: number;
  dataset: Dataset;
  /** A source extract's usual rows on a weekday; a transform's rows as a share of its inputs' mean. */
  rows: { kind: 'base'; rows: number } | { kind: 'ratio'; ratio: number };
  bytesPerRow: number;
  /**
   * For a consumer on a clock: the minute after the instance start it starts at, whatever its
   * inputs; its first parent is then the input usually written last (its *writer*).
   */
  clockMin: number | null;
}

export interface World {
  /** The service's name. */
  name: string;
  /** Where the shape came from, for the report. */
  shape: string;
  slotHourUtc: number;
  jobs: Map<string, WorldJob>;
  /** Job ids, parents before children. */
  order: string[];
  /** Minutes after the instance start the service is due. */
  deadlineMin: number;
}

/** Where a world's shape comes from and how long its instance usually runs. */
export interface WorldSource {
  name: string;
  files: string[];
  makespanMin: number;
}

export const mix = (...parts: number[]) => parts.reduce((h, p) => Math.imul(h ^ p, 0x9e3779b1) >>> 0, 0x811c9dc5);

/** Run times scaled so that the shape's critical path takes `makespanMin`, each job at least 2 minutes. */
function scaledMinutes(tasks: ShapeTask[], order: string[], makespanMin: number): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const end = new Map<string, number>();
  for (const id of order) {
    const t = byId.get(id) as ShapeTask;
    end.set(id, Math.max(0, ...t.parents.map((p) => end.get(p) ?? 0)) + Math.max(t.runtimeS, 1));
  }
  const scale = makespanMin / Math.max(...end.values());
  return new Map(tasks.map((t) => [t.id, Math.max(2, Math.round(Math.max(t.runtimeS, 1) * scale * 10) / 10)]));
}

/**
 * Which orchestrator runs each job: source extracts on Airflow (OpenLineage) or a feed tool
 * (generic), the first third of the DAG on Airflow, the middle on Argo, the rest on Control-M, the
 * last jobs in a publishing Airflow DAG or a BI tool (generic); consumers on a clock on Control-M.
 */
function formatOf(level: number, depth: number, isSink: boolean, clock: boolean, k: number): { format: Format; part: string } {
  if (clock) return { format: 'controlm', part: 'batch' };
  if (level === 0) return k % 3 === 2 ? { format: 'generic', part: 'feeds' } : { format: 'openlineage', part: 'ingest' };
  if (isSink) return k % 2 === 0 ? { format: 'generic', part: 'bi' } : { format: 'openlineage', part: 'publish' };
  const p = level / Math.max(depth, 1);
  if (p <= 1 / 3) return { format: 'openlineage', part: 'ingest' };
  return p <= 2 / 3 ? { format: 'argo', part: 'process' } : { format: 'controlm', part: 'batch' };
}

function naming(world: string, format: Format, part: string, id: string): { job: string; group: string; dataset: Dataset } {
  const key = world.replaceAll('-', '_');
  switch (format) {
    case 'openlineage':
      return { group: `${key}_${part}`, job: `airflow-prod/${key}_${part}.${id}`, dataset: { namespace: 'postgres://dw.prod:5432', name: `${key}.public.${id}` } };
    case 'argo': {
      const step = id.replaceAll('_', '-');
      return { group: `${world}-${part}`, job: `batch/${world}-${part}.${step}`, dataset: { namespace: `s3://${world}-work`, name: `${part}/${id}` } };
    }
    case 'controlm': {
      const folder = `${key.toUpperCase()}_${part.toUpperCase()}`;
      return { group: folder, job: `ctm-prod/${folder}/${id.toUpperCase()}`, dataset: { namespace: `s3://${world}-work`, name: `${part}/${id}` } };
    }
    case 'generic':
      return { group: `${world}-${part}`, job: `${world}-${part}/${id}`, dataset: { namespace: `s3://${world}-landing`, name: `${part}/${id}` } };
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

/**
 * Consumers on a clock: jobs with few jobs after them, one or two a world; a job with one input
 * when there is one, else one with several (it then waits for none of them).
 */
function clockConsumers(tasks: ShapeTask[], children: Map<string, string[]>, r: Random): Set<string> {
  const below = (id: string, seen = new Set<string>()): Set<string> => {
    for (const c of children.get(id) ?? []) if (!seen.has(c)) below(c, seen.add(c));
    return seen;
  };
  const want = tasks.length >= 20 ? 2 : 1;
  const byInputs = (one: boolean) => tasks.filter((t) => (one ? t.parents.length === 1 : t.parents.length > 1))
    .sort((a, b) => below(a.id).size - below(b.id).size || a.id.localeCompare(b.id));
  const single = byInputs(true);
  const candidates = single.length >= want ? single : [...single, ...byInputs(false)];
  const pool = candidates.slice(0, Math.max(2, Math.ceil(candidates.length / 2)));
  const chosen = new Set<string>();
  while (chosen.size < Math.min(want, pool.length)) chosen.add(r.pick(pool).id);
  return chosen;
}

/** A world's jobs from its shape; clock times and the deadline are set by `calibrate`. */
export function buildWorld(src: WorldSource, index: number, seed: number): World {
  const r = seeded(mix(seed, index, 0x5107));
  const tasks = loadShape(src.files, 36);
  const level = levels(tasks);
  const order = [...tasks].sort((a, b) => (level.get(a.id) as number) - (level.get(b.id) as number) || a.id.localeCompare(b.id)).map((t) => t.id);
  const children = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const p of t.parents) children.get(p)?.push(t.id);
  const minutes = scaledMinutes(tasks, order, src.makespanMin);
  const clocks = clockConsumers(tasks, children, r);
  const depth = Math.max(...level.values());
  const jobs = new Map<string, WorldJob>();
  const ordinal = new Map<string, number>();
  for (const id of order) {
    const t = tasks.find((x) => x.id === id) as ShapeTask;
    const isSink = (children.get(id) ?? []).length === 0;
    // Roots and sinks alternate between formats in their own count, so the first root is on Airflow.
    const category = t.parents.length === 0 ? 'root' : isSink ? 'sink' : 'inner';
    const k = ordinal.get(category) ?? 0;
    ordinal.set(category, k + 1);
    const { format, part } = formatOf(level.get(id) as number, depth, isSink, clocks.has(id), k);
    jobs.set(t.id, {
      id: t.id, ...naming(src.name, format, part, t.id), format, parents: t.parents, children: children.get(t.id) ?? [],
      medianMin: minutes.get(t.id) as number, sigma: Math.min(0.3, Math.max(0.06, t.spread ?? 0.08 + 0.14 * r.next())),
      flakyP: 0.01 + 0.04 * r.next(),
      rows: t.parents.length === 0 ? { kind: 'base', rows: Math.round(Math.exp(Math.log(20_000) + r.next() * Math.log(100))) } : { kind: 'ratio', ratio: 0.4 + 0.7 * r.next() },
      bytesPerRow: r.int(80, 600), clockMin: clocks.has(t.id) ? 0 : null,
    });
  }
  const formats = new Set([...jobs.values()].map((j) => j.format));
  if (formats.size < 3) throw new Error(`${src.name} spans ${[...formats].join(', ')}: a world needs at least three formats`);
  return { name: `origin-${src.name}`, shape: `${src.files[0]?.split('/').slice(-2).join('/')}${src.files.length > 1 ? ` and ${src.files.length - 1} replicates` : ''}`, slotHourUtc: 1 + (index % 6), jobs, order, deadlineMin: 0 };
}

/** The job of `id`, which every id of a world names. */
export function jobOf(world: World, id: string): WorldJob {
  const j = world.jobs.get(id);
  if (!j) throw new Error(`${world.name} has no job ${id}`);
  return j;
}
