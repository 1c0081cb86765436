/** What the incident page shows, read from the store in a few rounds of small indexed queries. */
import { agentRunsOf, agentSteps } from '../../agent/sql.ts';
import { listApprovals } from '../../approvals/sql.ts';
import type { Queryable } from '../../db/pool.ts';
import { incidentDetail } from '../../incidents/evidence.ts';
import { listIncidents, type IncidentView } from '../../incidents/read-sql.ts';
import { getAttempt, type FailedAttempt } from '../../incidents/sql.ts';
import { listExecutions, type ExecutionRow } from '../../remediation/execute-sql.ts';
import type { AgentRunView } from './incident-blocks.ts';
import { attemptsOfRuns, type TimelineAttempt } from './incidents-sql.ts';

/** Agent runs shown with their steps; older ones are listed by the audit log. */
const AGENT_RUNS = 3;
/** Earlier incidents of the signature shown. */
const HISTORY = 10;
/** Attempts the timeline reads at most: the runs of 50 failed attempts, each with up to 20 tries. */
const ATTEMPTS = 1_000;

export type IncidentDetail = NonNullable<Awaited<ReturnType<typeof incidentDetail>>>;

export interface IncidentPage {
  detail: IncidentDetail;
  /** Runs in the order of their latest failure, newest first. */
  runOrder: number[];
  attempts: TimelineAttempt[];
  /** `run/attempt` of every failed attempt the incident holds. */
  failed: Set<string>;
  latest: FailedAttempt | undefined;
  agentRuns: AgentRunView[];
  /** Older agent runs, without their steps. */
  moreAgentRuns: number[];
  approvals: Awaited<ReturnType<typeof listApprovals>>;
  executions: ExecutionRow[];
  history: IncidentView[];
}

/** Everything the incident page shows; undefined when there is no such incident. */
export async function incidentPage(db: Queryable, id: number): Promise<IncidentPage | undefined> {
  const detail = await incidentDetail(db, id);
  if (!detail) return undefined;
  // `runs` holds the latest failed attempts, newest first: a run failing twice is there twice.
  const runOrder = [...new Set(detail.runs.map((r) => r.run_id))];
  const newest = detail.runs[0];
  const [attempts, latest, agentRuns, approvals, executions, history] = await Promise.all([
    attemptsOfRuns(db, runOrder, ATTEMPTS),
    newest ? getAttempt(db, newest.run_id, newest.attempt) : undefined,
    agentRunsOf(db, id),
    listApprovals(db, { incidentId: id, limit: 20 }),
    listExecutions(db, { incidentId: id, limit: 20 }),
    listIncidents(db, { signatureId: detail.signature.id, limit: HISTORY + 1 }),
  ]);
  const shown = agentRuns.slice(0, AGENT_RUNS);
  const steps = await Promise.all(shown.map((run) => agentSteps(db, run.id)));
  return {
    detail, runOrder, attempts, latest, approvals, executions,
    failed: new Set(detail.runs.map((r) => `${r.run_id}/${r.attempt}`)),
    agentRuns: shown.map((run, i) => ({ run, steps: steps[i] ?? [] })),
    moreAgentRuns: agentRuns.slice(AGENT_RUNS).map((r) => r.id),
    history: history.filter((i) => i.id !== id).slice(0, HISTORY),
  };
}
