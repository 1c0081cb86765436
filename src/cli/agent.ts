import type { Command } from 'commander';
import type { Diagnosis, Proposal } from '../agent/schema.ts';
import { agentSteps, getAgentRun, type AgentRunRow } from '../agent/sql.ts';
import { createAgentRun, driveAgentRun, resumeAgentRun } from '../agent/run.ts';
import { auditLine } from '../approvals/audit-lines.ts';
import type { Deps } from '../deps.ts';
import { withDeps } from './config.ts';
import { clip, shortTime } from './table.ts';

const positive = (what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, not "${v}"`);
  return n;
};

/** A run as on-call reads it: where it stands, the hypotheses, the proposal, what came of it, and each step. */
export function renderAgentRun(run: AgentRunRow, steps: Awaited<ReturnType<typeof agentSteps>>): string {
  const diagnosis = run.diagnosis as Diagnosis | null;
  const proposal = run.proposal as Proposal | null;
  const outcome = run.outcome as { kind: string; detail?: string } | null;
  const used = run.used;
  const lines = [
    `Agent run ${run.id} on incident ${run.incident_id} — ${run.status} (${run.agent}@${run.prompt_version} on ${run.model}, asked by ${run.requested_by})`,
    `  budget     ${used.steps ?? 0}/${run.budget.maxSteps} steps, ${used.tokens ?? 0}/${run.budget.maxTokens} tokens, ${((used.wall_ms ?? 0) / 1000).toFixed(1)}/${(run.budget.wallMs / 1000).toFixed(0)} s (${run.budget.wallReason})`,
  ];
  for (const [i, h] of (diagnosis?.hypotheses ?? []).entries()) {
    lines.push(`  ${i === 0 ? 'diagnosis ' : '          '} ${i + 1}. ${h.class} (${Math.round(h.confidence * 100)} %): ${clip(h.evidence.join(' · '), 100)}`);
  }
  if (diagnosis?.fallback) lines.push(`  fallback   ${clip(diagnosis.fallback, 110)}`);
  if (proposal) {
    const o = proposal.option;
    lines.push(`  proposal   ${JSON.stringify(o.action)} by ${proposal.by}; ${o.policyId ? `policy ${o.policyId}` : 'safe without a policy'}${o.gated ? ', gated' : ''}`);
    lines.push(`  why        ${clip(proposal.rationale, 110)}`);
  }
  if (run.approval_id !== null) lines.push(`  approval   ${run.approval_id}${run.status === 'awaiting_approval' ? ` — waiting: medic approve ${run.approval_id} / medic reject ${run.approval_id} --reason …` : ''}`);
  if (outcome) lines.push(`  outcome    ${outcome.kind}${outcome.detail ? `: ${clip(outcome.detail, 100)}` : ''}`);
  lines.push('  steps');
  for (const s of steps) lines.push(`    ${shortTime(s.at)}  ${s.kind.padEnd(18)} ${clip(auditLine(s), 100)}`);
  return lines.join('\n');
}


async function show(deps: Deps, id: number, json: boolean): Promise<void> {
  const run = await getAgentRun(deps.pool, id);
  if (!run) {
    process.exitCode = 1;
    console.error(`agent run ${id} does not exist`);
    return;
  }
  const steps = await agentSteps(deps.pool, run.id);
  console.log(json ? JSON.stringify({ ...run, steps }, null, 2) : renderAgentRun(run, steps));
}

/** `medic agent run|show|resume`: agent steps from the command line, driven in this process. */
export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('agent steps: diagnose an incident and propose what the policies allow');

  agent.command('run <incident>').description('run the agent on an incident here and now, and show its steps (it stops at an approval gate)')
    .option('--agent <name>', 'the prompt to run (prompts/<name>.v<n>.md)', 'diagnose')
    .option('--max-steps <n>', 'the step budget', positive('--max-steps'), 8)
    .option('--json', 'print the run as JSON')
    .action(async (incident: string, opts: { agent: string; maxSteps: number; json?: boolean }) => withDeps(async (deps) => {
      const made = await createAgentRun(deps, { incidentId: positive('INCIDENT')(incident), agent: opts.agent, maxSteps: opts.maxSteps, requestedBy: 'cli' });
      if (made.kind === 'not_found' || made.kind === 'unknown_agent') {
        process.exitCode = 1;
        console.error(made.detail);
        return;
      }
      const driven = await driveAgentRun(deps, made.agentRunId);
      if (driven.kind === 'busy') console.error(`agent run ${made.agentRunId} is being driven by another worker; showing where it stands`);
      await show(deps, made.agentRunId, opts.json ?? false);
      if (driven.run?.status === 'failed') process.exitCode = 1;
    }));

  agent.command('show <run>').description('an agent run with its diagnosis, proposal, outcome and every step')
    .option('--json', 'print the run as JSON')
    .action(async (id: string, opts: { json?: boolean }) => withDeps((deps) => show(deps, positive('RUN')(id), opts.json ?? false)));

  agent.command('resume <approval>').description('carry on the run that waits on a decided approval (medic serve does this by itself)')
    .action(async (approval: string) => withDeps(async (deps) => {
      const r = await resumeAgentRun(deps, positive('APPROVAL')(approval));
      if (r.kind === 'nothing') {
        process.exitCode = 1;
        console.error(r.detail);
        return;
      }
      if (r.run) await show(deps, r.run.id, false);
    }));
}
