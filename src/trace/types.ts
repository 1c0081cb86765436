/**
 * Glossary: a *trace* is one service instance across every system — each job's run in it, the
 * datasets those runs read and wrote, and the edges between them; an *origin* is where a problem
 * of the instance began; the *blast radius* is what lies downstream of an origin.
 */

/** How Medic knows that one job waits for another. */
export type EdgeKind =
  | 'definition' // the service definition's `after`
  | 'declared' // the orchestrator declared it (upstream_task_ids, jobDependencies, Argo children …)
  | 'dataset' // the upstream job writes what the downstream one reads
  | 'parent' // OpenLineage's parent run: the downstream run was started by the upstream one
  | 'inferred'; // no link is known: inferred from timing, see `TraceEdge.why`

export interface TraceEdge {
  upstream: string;
  downstream: string;
  /** Every way the edge is known; `inferred` appears alone. */
  kinds: EdgeKind[];
  /** The datasets that carry it, for `dataset` edges. */
  datasets: string[];
  /** For an inferred edge: the evidence, e.g. "ended before it started on 19 of 20 past days". */
  why?: string;
}

/** A time's usual value over the service's past instances, in minutes (after the instance start, for times). */
export interface Usual {
  p50: number;
  p90: number;
  /** Median absolute deviation: the spread a robust test of "unusual" scales by. */
  mad: number;
}

export interface TraceDatasetVersion {
  dataset: string;
  /** The writer's job and run key; null when Medic never saw the version written. */
  writer: { job: string; runKey: string } | null;
  /** When the version was written (its writer's run ended). */
  writtenAt: string | null;
  rowCount: number | null;
  bytes: number | null;
  expectedRows: number | null;
  /** OpenLineage `dataQualityMetrics` and column metrics, as reported. */
  quality: Record<string, unknown> | null;
  /** Far from the dataset's usual size (robust statistics on its history, weekday-aware). */
  suspect: boolean;
  /** The size over its usual one (1 = as usual); null without enough history. */
  share: number | null;
  /** A sentence on the size against its history; null without history. */
  assessment: string | null;
}

/** A dataset a run read: the version it met when it started, and whether a newer one was due. */
export interface TraceRead extends TraceDatasetVersion {
  /**
   * The run started before this instance's writer of the dataset finished: it read an older
   * version (a consumer on a clock that did not wait for its input).
   */
  stale: boolean;
}

export interface TraceRun {
  runKey: string;
  externalId: string;
  state: string;
  attempts: number;
  /** Attempts that ended failed or aborted. */
  failedAttempts: number;
  scheduledAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: string | null;
  parent: { job: string; runKey: string } | null;
}

export interface TraceJob {
  job: string;
  orchestrator: string;
  /** `member`: named by the service; `feeder`: upstream of it through lineage. */
  role: 'member' | 'feeder';
  /** Null when the job has no run in this instance (yet). */
  run: TraceRun | null;
  /** Start, end and duration over past instances; null with fewer than three. */
  /** `wait`: from the job's inputs being ready (its upstream's last end) to its start. */
  usual: { instances: number; start: Usual; end: Usual; duration: Usual; wait: Usual | null } | null;
  /** Minutes after the instance start, for this run; null when not started or not ended. */
  startMin: number | null;
  endMin: number | null;
  reads: TraceRead[];
  writes: TraceDatasetVersion[];
}

export interface Trace {
  service: string;
  /** The instance's key (its root run's key). */
  key: string;
  start: string;
  deadline: string | null;
  /** The time the trace describes: now, or `at` for a past view. */
  at: string;
  /** Whether the instance is still going: a run is under way, or a job has yet to run within a day of its start. */
  live: boolean;
  /** When the instance finished (its last job's end), in minutes after its start, over past instances. */
  usualEnd: Usual | null;
  jobs: TraceJob[];
  edges: TraceEdge[];
  /** Present when the closure through lineage hit a bound. */
  truncated?: { reason: 'depth' | 'size'; limit: number };
}

/** What went wrong in an instance, as the trace shows it. */
export type Problem =
  | { kind: 'late'; job: string; minutes: number; against: 'deadline' | 'usual' }
  | { kind: 'partial-data'; job: string; dataset: string }
  | { kind: 'stale-input'; job: string; dataset: string }
  | { kind: 'failure'; job: string };

/** What a candidate's run did that could have started a problem. */
export type AnomalyKind = 'failed' | 'retried' | 'slow' | 'late-start' | 'partial-output' | 'stale-input';

export interface OriginCandidate {
  job: string;
  runKey: string | null;
  anomalies: AnomalyKind[];
  /** `origin`: the evidence puts the problem's start here; `inherited`: it met an upstream problem. */
  verdict: 'origin' | 'inherited' | 'not-origin';
  /** 0–1: how much of the problems this candidate explains, and how clear its evidence is. */
  confidence: number;
  /** Minutes of the instance's lateness this job's own delay accounts for, along the critical path. */
  lateMinutes: number | null;
  evidence: string[];
  why: string;
}

export interface BlastRadius {
  /** Runs that consumed what the origin produced, directly or not, in the order to rerun them. */
  reruns: { job: string; runKey: string | null; orchestrator: string }[];
  /** Services whose jobs are among them, with their deadlines and time left. */
  services: { service: string; deadline: string | null; minutesLeft: number | null }[];
  /** The sentence a remediation proposal carries. */
  proposal: string | null;
}

export interface OriginReport {
  service: string;
  key: string;
  problems: Problem[];
  /** Ranked, most probable first. */
  candidates: OriginCandidate[];
  /** The first candidate when its verdict is `origin`; else null, with `unknown` saying why. */
  origin: OriginCandidate | null;
  unknown: string | null;
  blast: BlastRadius | null;
}
