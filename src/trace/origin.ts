import { anomaliesOf, DEFAULT_ORIGIN_OPTIONS, endedLate, farFromUsual, modifiedZ, readyMin, startedEarly, type JobFacts, type OriginOptions } from './anomalies.ts';
import { blastRadius } from './blast.ts';
import type { AnomalyKind, OriginCandidate, OriginReport, Problem, Trace, TraceJob } from './types.ts';

export { DEFAULT_ORIGIN_OPTIONS, type OriginOptions } from './anomalies.ts';

/** A problem and the job where the evidence puts its start, with why. */
interface Explained {
  problem: Problem;
  origin: string;
  /** How clear the evidence is, 0–1. */
  clarity: number;
  evidence: string;
  lateMinutes?: number;
}

/** Anomalies through which a failure or bad data travels downstream. */
const CARRIES_DATA: ReadonlySet<AnomalyKind> = new Set(['failed', 'partial-output', 'stale-input']);
/** Anomalies that make a job's output late. */
const MAKES_LATE: ReadonlySet<AnomalyKind> = new Set(['failed', 'retried', 'slow', 'late-start']);

/**
 * Where the instance's problems began. The problems are what the trace shows: runs that failed
 * for good, data far from its usual size, runs that started before their input was written, and
 * an instance late against its deadline or its usual finish. Each is walked upstream to the
 * earliest run whose own anomaly explains it — a failure or bad data through the runs that
 * passed it on, lateness along the critical path by the minutes each job added — and the jobs
 * reached are ranked by how many problems they explain. A problem whose walk finds no anomaly
 * names no origin.
 */
export function originOf(trace: Trace, options: Partial<OriginOptions> & { focus?: string } = {}): OriginReport {
  const o = { ...DEFAULT_ORIGIN_OPTIONS, ...options };
  const byName = new Map(trace.jobs.map((j) => [j.job, j]));
  const upstream = new Map<string, string[]>();
  for (const e of trace.edges) upstream.set(e.downstream, [...(upstream.get(e.downstream) ?? []), e.upstream]);
  const facts = anomaliesOf(trace, upstream, o);
  const walk = new Walker(upstream, facts, trace.at, trace.start);
  const explained: Explained[] = [];
  for (const f of facts.values()) {
    const { job } = f.job;
    if (f.anomalies.has('failed')) explained.push(walk.failure(job));
    if (f.anomalies.has('partial-output')) {
      for (const w of f.job.writes.filter((x) => farFromUsual(x, o))) explained.push(walk.partial(job, w.dataset));
    }
    if (f.anomalies.has('stale-input')) explained.push(walk.stale(f, byName, o));
  }
  const late = lateness(trace, byName, upstream, facts, o);
  if (late) explained.push(...late);
  if (options.focus !== undefined) focusOn(explained, options.focus, facts, walk);
  const problems = dedupe(explained.map((e) => e.problem));
  const candidates = rank(explained, facts, problems.length);
  const top = candidates[0];
  const origin = top?.verdict === 'origin' ? top : null;
  return {
    service: trace.service, key: trace.key, problems, candidates, origin,
    unknown: origin ? null : problems.length === 0 ? 'no problem seen: every run that ended did so as usual' : 'unknown: no upstream anomaly seen that explains the problems',
    blast: origin ? blastRadius(trace, origin.job) : null,
  };
}

/** Walks a problem upstream through the runs that could have passed it on. */
class Walker {
  constructor(private readonly upstream: Map<string, string[]>, private readonly facts: Map<string, JobFacts>, private readonly at: string, private readonly start: string) {}

  /**
   * The earliest runs upstream of `job`, through runs with one of `kinds` (or `transparent` ones),
   * that have one of `kinds` themselves.
   */
  private tops(job: string, kinds: ReadonlySet<AnomalyKind>, transparent: (f: JobFacts) => boolean = () => false): string[] {
    const tops: string[] = [];
    const seen = new Set<string>([job]);
    const visit = (j: string): boolean => {
      let found = false;
      for (const up of this.upstream.get(j) ?? []) {
        if (seen.has(up)) continue;
        seen.add(up);
        const f = this.facts.get(up);
        const has = f !== undefined && [...f.anomalies.keys()].some((k) => kinds.has(k));
        if (!f?.job.run) { found = visit(up) || found; continue; } // no run here: look further up
        if (!has) {
          if (transparent(f)) found = visit(up) || found;
          continue;
        }
        if (!visit(up)) tops.push(up);
        found = true;
      }
      return found;
    };
    visit(job);
    return tops.sort((a, b) => endOf(this.facts.get(a)?.job) - endOf(this.facts.get(b)?.job));
  }

  failure(job: string): Explained {
    const problem: Problem = { kind: 'failure', job };
    const top = this.tops(job, CARRIES_DATA)[0];
    if (!top) return { problem, origin: job, clarity: 1, evidence: `${job} failed, and nothing upstream of it did` };
    return { problem, origin: top, clarity: 0.9, evidence: `${job} failed after ${top} ${describe(this.facts.get(top))}` };
  }

  partial(job: string, dataset: string): Explained {
    const problem: Problem = { kind: 'partial-data', job, dataset };
    // A run that reports no sizes may have passed the bad data on unseen: the walk goes through it.
    const top = this.tops(job, CARRIES_DATA, (f) => f.job.writes.length === 0)[0];
    if (top) return { problem, origin: top, clarity: 0.9, evidence: `${dataset} is far from its usual size; upstream, ${top} ${describe(this.facts.get(top))}` };
    const ups = this.upstream.get(job) ?? [];
    const blind = ups.filter((u) => (this.facts.get(u)?.job.writes.length ?? 0) === 0 && this.facts.get(u)?.job.run);
    const inputs = ups.length === 0 ? 'with nothing upstream of it that Medic knows' : 'while its inputs were as usual';
    return {
      problem, origin: job, clarity: blind.length > 0 ? 0.6 : 1,
      evidence: `${job} wrote ${dataset} far from its usual size ${inputs}${blind.length ? ` (${blind.join(', ')} report no sizes, so the problem may have begun there)` : ''}`,
    };
  }

  /**
   * A run that did not wait for its input. The input's writer is the origin when the reader started
   * once that writer is usually done (its p90 end) and the writer was late: the reader kept its
   * usual time and the writer did not. Otherwise the reader started before its input is usually
   * there, and is the origin itself. A writer late only because its own input was is walked up.
   */
  stale(f: JobFacts, byName: Map<string, TraceJob>, o: OriginOptions): Explained {
    const { job } = f.job;
    const dataset = f.job.reads.find((r) => r.stale)?.dataset ?? f.unwaited[0] ?? '';
    const problem: Problem = { kind: 'stale-input', job, dataset };
    const nowMin = (Date.parse(this.at) - Date.parse(this.start)) / 60_000;
    const start = f.job.startMin ?? 0;
    const lateWriter = (up: string) => {
      const u = byName.get(up);
      if (!u) return false;
      const usuallyDone = u.usual ? start >= u.usual.end.p90 : true;
      const own = [...(this.facts.get(up)?.anomalies.keys() ?? [])].some((k) => MAKES_LATE.has(k));
      return usuallyDone && (endedLate(u, nowMin, o) || own);
    };
    // A reader that started unusually early did not keep its time, whatever its input did.
    const late = startedEarly(f.job, o) ? [] : f.unwaited.filter(lateWriter);
    if (late.length > 0) {
      // The writer furthest past its usual end.
      const past = (up: string) => { const u = byName.get(up); return endOf(u) - (u?.usual?.end.p90 ?? 0); };
      const up = late.sort((a, b) => past(b) - past(a))[0] as string;
      const chain = (g: JobFacts) => g.job.run !== null && endedLate(g.job, nowMin, o);
      const top = this.tops(up, MAKES_LATE, chain)[0] ?? (this.facts.get(up)?.anomalies.size ? up : this.tops(up, MAKES_LATE)[0] ?? up);
      return { problem, origin: top, clarity: 0.8, evidence: `${job} started at its usual time, before ${up} had finished, and ${top} ${describe(this.facts.get(top))}` };
    }
    return { problem, origin: job, clarity: 0.9, evidence: `${job} started before ${f.unwaited.join(', ')} had finished, and before ${f.unwaited.length === 1 ? 'it is' : 'they are'} usually done: it does not wait for its input` };
  }
}

const endOf = (j: TraceJob | undefined) => j?.endMin ?? j?.startMin ?? Number.MAX_SAFE_INTEGER;

function describe(f: JobFacts | undefined): string {
  if (!f) return 'had a problem';
  return [...f.anomalies].map(([k, v]) => `${label(k)} (${v})`).join(' and ');
}

function label(k: AnomalyKind): string {
  switch (k) {
    case 'failed': return 'failed';
    case 'retried': return 'needed a retry';
    case 'slow': return 'ran slow';
    case 'late-start': return 'started late';
    case 'partial-output': return 'wrote data far from its usual size';
    case 'stale-input': return 'did not wait for its input';
    default: { const never: never = k; return never; }
  }
}

/**
 * The instance's lateness, against its deadline or its usual finish, split along its critical
 * path (from the job that ended last back through the input that was ready last): each job's own
 * delay is how much longer it took, from its inputs being ready to its end, than it usually does.
 */
function lateness(trace: Trace, byName: Map<string, TraceJob>, upstream: Map<string, string[]>, facts: Map<string, JobFacts>, o: OriginOptions): Explained[] | undefined {
  const nowMin = (Date.parse(trace.at) - Date.parse(trace.start)) / 60_000;
  const ran = trace.jobs.filter((j) => j.run);
  if (ran.length === 0) return undefined;
  const endNow = (j: TraceJob) => j.endMin ?? (j.startMin !== null ? nowMin : -Infinity);
  const last = ran.reduce((a, b) => (endNow(b) > endNow(a) ? b : a));
  const end = endNow(last);
  const deadlineMin = trace.deadline ? (Date.parse(trace.deadline) - Date.parse(trace.start)) / 60_000 : null;
  let problem: Problem | undefined;
  // A service is late against its deadline; only what has none (a job outside any service) against its usual finish.
  if (deadlineMin !== null) {
    if (end > deadlineMin) problem = { kind: 'late', job: last.job, minutes: Math.round(end - deadlineMin), against: 'deadline' };
  } else if (trace.usualEnd && modifiedZ(end, trace.usualEnd) > o.zLimit && end - trace.usualEnd.p50 >= o.minLateMinutes) {
    problem = { kind: 'late', job: last.job, minutes: Math.round(end - trace.usualEnd.p50), against: 'usual' };
  }
  if (!problem) return undefined;
  const path: { job: string; own: number }[] = [];
  for (let j: TraceJob | undefined = last; j; ) {
    const ups: TraceJob[] = (upstream.get(j.job) ?? []).map((u) => byName.get(u)).filter((u): u is TraceJob => u?.run != null);
    const ready = readyMin(ups.map((u) => u.job), byName) ?? 0;
    const usual = j.usual ? (j.usual.wait?.p50 ?? j.usual.start.p50) + j.usual.duration.p50 : null;
    if (usual !== null) path.push({ job: j.job, own: endNow(j) - ready - usual });
    j = ups.filter((u) => u.endMin !== null).sort((a, b) => (b.endMin ?? 0) - (a.endMin ?? 0))[0];
    if (path.some((p) => p.job === j?.job)) break;
  }
  const total = path.reduce((s, p) => s + Math.max(0, p.own), 0);
  const cause = path.filter((p) => p.own >= o.minLateMinutes && (facts.get(p.job)?.anomalies.size ?? 0) > 0).sort((a, b) => b.own - a.own);
  if (cause.length === 0) return [{ problem, origin: '', clarity: 0, evidence: 'no job on the critical path added an unusual delay' }];
  return cause.map((c) => ({
    problem, origin: c.job, clarity: total > 0 ? Math.min(1, c.own / total) : 0, lateMinutes: Math.round(c.own),
    evidence: `${c.job} added ${Math.round(c.own)} min on the critical path: it ${describe(facts.get(c.job))}`,
  }));
}

/**
 * Keeps only the problems at one job (an incident's): its failure, even one a retry recovered,
 * is walked upstream when the instance shows no problem there.
 */
function focusOn(explained: Explained[], job: string, facts: Map<string, JobFacts>, walk: Walker): void {
  const kept = explained.filter((e) => e.problem.job === job);
  const f = facts.get(job);
  if (kept.length === 0 && (f?.anomalies.has('failed') || f?.anomalies.has('retried'))) kept.push(walk.failure(job));
  explained.splice(0, explained.length, ...kept);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Candidates, most probable first: jobs named as the origin of more problems (weighted by how
 * clear the evidence is) first; then the other unusual runs, each saying why it is not the origin.
 */
function rank(explained: Explained[], facts: Map<string, JobFacts>, problemCount: number): OriginCandidate[] {
  const byOrigin = new Map<string, Explained[]>();
  for (const e of explained) if (e.origin) byOrigin.set(e.origin, [...(byOrigin.get(e.origin) ?? []), e]);
  const origins: (OriginCandidate & { score: number })[] = [...byOrigin].map(([job, es]) => {
    const f = facts.get(job);
    const problems = new Set(es.map((e) => JSON.stringify(e.problem))).size;
    const clarity = Math.max(...es.map((e) => e.clarity));
    const late = es.map((e) => e.lateMinutes).filter((m): m is number => m !== undefined);
    return {
      job, runKey: f?.job.run?.runKey ?? null, anomalies: [...(f?.anomalies.keys() ?? [])], verdict: 'origin' as const,
      confidence: Math.round((0.5 * (problems / Math.max(1, problemCount)) + 0.5 * clarity) * 100) / 100,
      lateMinutes: late.length ? Math.max(...late) : null,
      evidence: [...new Set(es.map((e) => e.evidence)), ...[...(f?.anomalies.values() ?? [])]],
      why: `the earliest unusual run behind ${problems} of the ${problemCount} problem${problemCount === 1 ? '' : 's'}`,
      score: es.reduce((s, e) => s + e.clarity, 0) + problems,
    };
  }).sort((a, b) => b.score - a.score || (b.lateMinutes ?? 0) - (a.lateMinutes ?? 0) || a.job.localeCompare(b.job));
  const named = new Set(origins.map((c) => c.job));
  const others: OriginCandidate[] = [...facts.values()].filter((f) => f.anomalies.size > 0 && !named.has(f.job.job)).map((f) => {
    const inherited = [...f.anomalies.keys()].some((k) => CARRIES_DATA.has(k)) && explained.some((e) => e.origin && e.origin !== f.job.job && problemAt(e.problem) === f.job.job);
    return {
      job: f.job.job, runKey: f.job.run?.runKey ?? null, anomalies: [...f.anomalies.keys()], verdict: inherited ? 'inherited' as const : 'not-origin' as const,
      confidence: 0, lateMinutes: null, evidence: [...f.anomalies.values()],
      why: inherited ? 'its problem came from upstream' : 'unusual, but it explains none of the problems (it did not delay the instance or pass bad data on)',
    };
  });
  // Unusual runs that explain no problem Medic sees come before those that inherited theirs: they
  // may have started one it does not see. The graver first: failed, then slow or late by the most.
  const rankOf = (c: OriginCandidate) => (c.verdict === 'inherited' ? 1 : 0);
  return [...origins.map(({ score: _score, ...c }) => c), ...others.sort((a, b) => rankOf(a) - rankOf(b) || severity(facts.get(b.job)) - severity(facts.get(a.job)) || a.job.localeCompare(b.job))];
}

const problemAt = (p: Problem) => p.job;

/** How grave a run's own anomalies are, for ordering the runs that explain nothing: failures, then the minutes a slow or late run lost. */
function severity(f: JobFacts | undefined): number {
  if (!f) return 0;
  const j = f.job;
  const lost = j.usual && j.startMin !== null && j.endMin !== null ? Math.max(0, j.endMin - j.startMin - j.usual.duration.p50) : 0;
  return (f.anomalies.has('failed') ? 10_000 : 0) + (f.anomalies.has('partial-output') ? 5_000 : 0)
    + (f.anomalies.has('slow') || f.anomalies.has('late-start') ? 1_000 + lost : 0) + (f.anomalies.has('retried') ? 1 : 0);
}
