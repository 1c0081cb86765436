import { decide, type DecideDeps, type DecisionAnswer } from '../decide/decide.ts';
import { DecisionInput } from '../decide/schema.ts';
import { Orchestrator } from '../runs/schema.ts';
import { originOfService } from './service.ts';
import type { TraceDeps } from './build.ts';
import { problemText } from './render.ts';
import type { OriginReport } from './types.ts';

export type RemediationOutcome =
  | { kind: 'decided'; report: OriginReport; decision: DecisionAnswer }
  | { kind: 'no-origin'; why: string }
  | { kind: 'not-found'; what: string };


/**
 * Puts the origin of an instance's problems to the policies, as a failure of the origin's run:
 * the message names what went wrong there (so policies can match it by signature), the detail
 * carries the evidence and the reruns the blast radius asks for, in order. What the policies
 * decide goes the usual way — logged, and behind an approval where a policy gates it; nothing
 * runs here that a policy does not allow.
 */
export async function decideOnOrigin(deps: DecideDeps & { trace: TraceDeps }, name: string, key: string, at: Date, requester: string | undefined): Promise<RemediationOutcome> {
  const out = await originOfService(deps.trace, name, key, at);
  if (out.kind === 'not-found') return out;
  const { report, trace } = out;
  const origin = report.origin;
  if (!origin) return { kind: 'no-origin', why: report.unknown ?? 'no origin' };
  const orchestrator = Orchestrator.safeParse(trace.jobs.find((j) => j.job === origin.job)?.orchestrator);
  const own = report.problems.filter((p) => p.job === origin.job).map((p) => problemText(p));
  const input = DecisionInput.parse({
    kind: 'failure', job: origin.job, ...(orchestrator.success ? { orchestrator: orchestrator.data } : {}),
    ...(origin.runKey ? { run: { key: origin.runKey } } : {}), time: at.toISOString(), requester: requester ?? 'medic-origin',
    error: {
      message: `Origin of ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${name}: ${own[0] ?? origin.evidence[0] ?? origin.why}`,
      detail: [
        `Problems: ${report.problems.map((p) => problemText(p)).join('; ')}.`,
        ...origin.evidence.map((e) => `Evidence: ${e}`),
        report.blast?.proposal ? `Proposal: ${report.blast.proposal}.` : 'Nothing downstream has run yet.',
        ...(report.blast?.services ?? []).map((s) => `At risk: ${s.service}${s.deadline ? `, deadline ${s.deadline}` : ''}${s.minutesLeft !== null ? `, ${s.minutesLeft} min left` : ''}.`),
      ].join('\n'),
    },
  });
  return { kind: 'decided', report, decision: await decide(deps, input) };
}
