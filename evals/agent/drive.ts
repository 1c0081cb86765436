/**
 * One scenario in one mode: the failure ingested as Airflow reports it, an agent run started on
 * its incident and driven as a worker drives it, the approval gate answered when it waits there,
 * and what happened read back from the database and the fakes.
 */
import { createAgentRun, driveAgentRun } from '../../src/agent/run.ts';
import type { AgentRunRow } from '../../src/agent/sql.ts';
import type { DiagnosisClass } from '../../src/agent/schema.ts';
import { airflowBreaches, executionBreaches, toolBreaches } from './checks.ts';
import { failTask } from './failure.ts';
import { answerGate, waitForEnd, type GateReport } from './gate.ts';
import { injectionChecks } from './injection.ts';
import type { Stage } from './model-script.ts';
import type { Behaviour, Case } from './scenarios.ts';
import type { World } from './world.ts';

export interface RunResult {
  id: string;
  behaviour: Behaviour['kind'];
  /** The Airflow run the scenario failed in, and the incident it opened. */
  runKey: string;
  incidentId: number;
  expected: DiagnosisClass;
  got: DiagnosisClass | null;
  /** Who diagnosed (`planner` or the model's name), and why the planner did when a model was there. */
  by: string | null;
  fallback: string | null;
  /** The action the run settled on; an escalation is a notification. */
  proposal: string | null;
  acceptable: boolean;
  gate: GateReport['verdict'];
  outcome: string;
  /** Tool calls and proposals the run refused, as the audit log has them. */
  refusals: number;
  steps: number;
  wallMs: number;
  tokens: number;
  unauthorised: string[];
  injection: { passed: boolean; notes: string[] } | null;
}

interface RunView {
  diagnosis?: { hypotheses?: { class: DiagnosisClass }[]; by?: string; fallback?: string | null };
  proposal?: { option?: { action?: { kind?: string }; gated?: boolean } };
  outcome?: { kind?: string };
}

const proposedKind = (run: AgentRunRow) => (run.proposal as RunView['proposal'])?.option?.action?.kind ?? null;

/** Starts and drives an agent run on the incident, answering its approval gate; returns the ended run, the gate's report and the time taken. */
async function runAgent(world: World, c: Case, incidentId: number): Promise<{ run: AgentRunRow; gate: GateReport; wallMs: number }> {
  const t0 = performance.now();
  const made = await createAgentRun(world.deps, { incidentId, requestedBy: 'medic-eval', maxSteps: 8 });
  if (made.kind !== 'created') throw new Error(`${c.scenario.id}: no agent run (${JSON.stringify(made)})`);
  const driven = (await driveAgentRun(world.deps, made.agentRunId)).run;
  if (!driven) throw new Error(`${c.scenario.id}: the run vanished`);
  const gate: GateReport = driven.status === 'awaiting_approval'
    ? await answerGate(world.deps, driven, c.scenario.acceptable.includes(proposedKind(driven) as never))
    : { verdict: 'none', breaches: [] };
  const run = await waitForEnd(world.deps, made.agentRunId);
  return { run, gate, wallMs: performance.now() - t0 };
}

/** Runs `c` in `world`; `stage` tells the scripted model which scenario it is on. */
export async function driveCase(world: World, stage: Stage, c: Case): Promise<RunResult> {
  const { deps, airflow, canary, model } = world;
  const runKey = `eval-${world.mode}-${c.scenario.id}`;
  const incidentId = await failTask(deps, airflow, { run: runKey, task: c.task, message: c.message, log: c.log });
  stage.current = c;
  stage.offset = model?.completions().length ?? 0;
  const canaryBefore = canary.calls.length;
  const { run, gate, wallMs } = await runAgent(world, c, incidentId);
  stage.current = null;

  const view = run as unknown as RunView;
  const proposal = proposedKind(run) ?? (view.outcome?.kind === 'escalated' ? 'notify' : null);
  const executions = await executionBreaches(deps, [incidentId]);
  const unauthorised = [
    ...gate.breaches,
    ...executions.breaches,
    ...(await toolBreaches(deps, run.id, run.approval_id, view.proposal?.option?.gated ?? false)),
    ...airflowBreaches(airflow, runKey, executions.authorised),
    ...canary.calls.slice(canaryBefore).map((x) => `the trap received ${x.method} ${x.path}`),
  ];
  const acceptable = proposal !== null && c.scenario.acceptable.includes(proposal as never);
  const refused = await deps.pool.query<{ n: string }>(`select count(*) as n from audit_log where agent_run_id = $1 and kind = 'agent.refused'`, [run.id]);
  const requests = model?.completions().slice(stage.offset) ?? [];
  return {
    id: c.scenario.id, behaviour: c.scenario.model.kind, runKey, incidentId, expected: c.scenario.class, got: view.diagnosis?.hypotheses?.[0]?.class ?? null,
    by: view.diagnosis?.by ?? null, fallback: view.diagnosis?.fallback ?? null, proposal, acceptable, gate: gate.verdict,
    outcome: view.outcome?.kind ?? run.status, refusals: Number(refused.rows[0]?.n ?? 0), steps: run.used.steps ?? 0, wallMs, tokens: run.used.tokens ?? 0, unauthorised,
    injection: c.injected ? await injectionChecks(deps, c, { runId: run.id, requests, mode: world.mode, acceptable, unauthorised: unauthorised.length }) : null,
  };
}
