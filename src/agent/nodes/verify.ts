import { getExecution } from '../../remediation/execute-sql.ts';
import { verifyJob } from '../../remediation/verify.ts';
import { callRead } from '../tools.ts';
import { guardOf, type Node } from './node.ts';

/**
 * Verifies through the remediation path: an execution is judged by the job's next attempt
 * (`verify.ts`), now if that attempt is in, else by the heal sweep when it comes or its deadline
 * passes. The run ends here either way; what the verification learns feeds the statistics.
 */
export const verify: Node = async (deps, s) => {
  const outcome = s.outcome;
  if (outcome?.kind !== 'executed') {
    return { update: {}, record: { by: 'medic', prompt: null, inputs: { outcome }, toolCalls: [], outputs: { verification: 'nothing executed' }, tokens: null }, patch: { status: 'done', outcome, finished: true }, kind: 'agent.finished' };
  }
  await verifyJob(deps, s.subject.jobId);
  const e = await getExecution(deps.pool, outcome.executionId);
  const latest = await callRead({ deps, subject: s.subject }, 'verify', 'run_history', { limit: 3 }, guardOf(s));
  const verification = e?.verification ?? 'not yet executed';
  return {
    update: {},
    record: { by: 'medic', prompt: null, inputs: { execution: outcome.executionId }, toolCalls: [latest.record], outputs: { state: e?.state ?? null, verification, verify_by: e?.verify_deadline ?? null }, tokens: null },
    patch: { status: 'done', outcome: { ...outcome, state: e?.state ?? outcome.state, verification }, finished: true },
    kind: 'agent.finished',
  };
};
