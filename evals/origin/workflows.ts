/**
 * Real DAG shapes for the origin eval: the tasks of a WfInstances execution (WfFormat 1.5) with
 * their parents and run times, cut to a connected sub-DAG of at most `maxTasks` where the file is
 * larger. Data: wfcommons/WfInstances (LGPL-3.0), read in place from ../shared/data.
 */
import { readFileSync } from 'node:fs';

/** One task of a shape: a short id, the kind it is an instance of, its parents and run time. */
export interface ShapeTask {
  id: string;
  kind: string;
  parents: string[];
  /** Median run time over the files given, in seconds. */
  runtimeS: number;
  /** Spread of the run time over the files given (sd of its log); null with one file. */
  spread: number | null;
}

interface WfFile {
  workflow: {
    specification: { tasks: { id: string; name?: string; parents?: string[] }[] };
    execution: { tasks: { id: string; runtimeInSeconds: number }[] };
  };
}

/** `fastq_reduce_ID000001` → `fastq_reduce`; `NFCORE_HIC.HIC.PREPARE_GENOME.BOWTIE2_BUILD` → `bowtie2_build`. */
function kindOf(name: string): string {
  return (name.replace(/_ID\d+$/, '').split('.').at(-1) ?? name).toLowerCase();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

function sdOfLog(xs: number[]): number | null {
  const logs = xs.filter((x) => x > 0).map(Math.log);
  if (logs.length < 2) return null;
  const m = logs.reduce((a, b) => a + b, 0) / logs.length;
  return Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (logs.length - 1));
}

/** The tasks of one workflow, run times pooled over replicate files of the same workflow. */
export function loadShape(files: string[], maxTasks: number): ShapeTask[] {
  const parsed = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as WfFile);
  const first = parsed[0];
  if (!first) throw new Error('a shape needs at least one workflow file');
  const runtimes = new Map<string, number[]>();
  for (const p of parsed) for (const t of p.workflow.execution.tasks) runtimes.set(t.id, [...(runtimes.get(t.id) ?? []), t.runtimeInSeconds]);
  const spec = [...first.workflow.specification.tasks].sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const seen = new Map<string, number>();
  const kinds = new Map(spec.map((t) => [t.id, kindOf(t.name ?? t.id)]));
  const count = new Map<string, number>();
  for (const k of kinds.values()) count.set(k, (count.get(k) ?? 0) + 1);
  const ids = new Map(spec.map((t) => {
    const kind = kinds.get(t.id) as string;
    const n = (seen.get(kind) ?? 0) + 1;
    seen.set(kind, n);
    return [t.id, (count.get(kind) ?? 1) > 1 ? `${kind}_${n}` : kind];
  }));
  const tasks = spec.map((t) => ({
    id: ids.get(t.id) as string, kind: kinds.get(t.id) as string,
    parents: (t.parents ?? []).flatMap((p) => ids.get(p) ?? []),
    runtimeS: median(runtimes.get(t.id) ?? [0]), spread: sdOfLog(runtimes.get(t.id) ?? []),
  }));
  return subDag(tasks, maxTasks);
}

/** Each task's level: 0 for a root, else one more than its highest parent. */
export function levels(tasks: ShapeTask[]): Map<string, number> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const level = new Map<string, number>();
  const of = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    const v = 1 + Math.max(-1, ...(byId.get(id)?.parents ?? []).filter((p) => byId.has(p)).map(of));
    level.set(id, v);
    return v;
  };
  for (const t of tasks) of(t.id);
  return level;
}

/**
 * A connected sub-DAG of at most `max` tasks: wide fan-outs thinned to `k` tasks of each kind at
 * each level (fewer until it fits), a task whose parents were all thinned away keeping its first,
 * and the largest connected part kept.
 */
function subDag(tasks: ShapeTask[], max: number): ShapeTask[] {
  if (tasks.length <= max) return tasks;
  const level = levels(tasks);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  for (const k of [8, 6, 4, 3, 2, 1]) {
    const perGroup = new Map<string, number>();
    const kept = new Set<string>();
    for (const t of tasks) {
      const group = `${t.kind}@${level.get(t.id)}`;
      const n = perGroup.get(group) ?? 0;
      if (n < k) kept.add(t.id);
      perGroup.set(group, n + 1);
    }
    const repair = (id: string) => {
      const t = byId.get(id);
      if (!t || t.parents.length === 0 || t.parents.some((p) => kept.has(p))) return;
      const first = t.parents[0] as string;
      kept.add(first);
      repair(first);
    };
    for (const id of [...kept]) repair(id);
    const part = largestComponent(tasks.filter((t) => kept.has(t.id)));
    if (part.length <= max) return part;
  }
  // Still too wide: the largest ancestor closure of one task that fits.
  const closures = tasks.map((t) => ancestors(byId, t.id)).filter((c) => c.size <= max).sort((a, b) => b.size - a.size);
  const best = closures[0] ?? new Set([tasks[0]?.id ?? '']);
  return tasks.filter((t) => best.has(t.id)).map((t) => ({ ...t, parents: t.parents.filter((p) => best.has(p)) }));
}

function ancestors(byId: Map<string, ShapeTask>, id: string, into = new Set<string>()): Set<string> {
  if (into.has(id)) return into;
  into.add(id);
  for (const p of byId.get(id)?.parents ?? []) ancestors(byId, p, into);
  return into;
}

function largestComponent(tasks: ShapeTask[]): ShapeTask[] {
  const ids = new Set(tasks.map((t) => t.id));
  const trimmed = tasks.map((t) => ({ ...t, parents: t.parents.filter((p) => ids.has(p)) }));
  const root = new Map<string, string>(trimmed.map((t) => [t.id, t.id]));
  const find = (x: string): string => {
    const r = root.get(x) as string;
    if (r === x) return x;
    const top = find(r);
    root.set(x, top);
    return top;
  };
  for (const t of trimmed) for (const p of t.parents) root.set(find(t.id), find(p));
  const sizes = new Map<string, number>();
  for (const t of trimmed) sizes.set(find(t.id), (sizes.get(find(t.id)) ?? 0) + 1);
  const biggest = [...sizes].sort((a, b) => b[1] - a[1])[0]?.[0];
  return trimmed.filter((t) => find(t.id) === biggest);
}
