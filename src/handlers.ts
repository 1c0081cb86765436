import type { Deps } from './deps.ts';
import { withTransaction } from './db/pool.ts';
import { analyseFailure, settleRecovered } from './incidents/analyse.ts';
import type { JobHandlers } from './queue/catalog.ts';
import { healFailure } from './remediation/heal.ts';
import { undecidedAttempt } from './remediation/heal-sql.ts';
import { agentHandlers } from './agent/jobs.ts';
import { remediationHandlers } from './remediation/jobs.ts';
import { verifyJob } from './remediation/verify.ts';
import { jobOfRun } from './remediation/verify-sql.ts';
import { sweep } from './sla/risks.ts';
import { slackHandlers } from './slack/jobs.ts';
import { sourceHandlers } from './sources/jobs.ts';

/** The queue's job processors, one per catalog entry, over the given dependencies. */
export function buildHandlers(deps: Deps): JobHandlers {
  return {
    'analyse-failure': async ({ runId, attempt }, ctx) => {
      const log = deps.log.child({ runId, jobId: ctx.jobId });
      const outcome = await analyseFailure({
        pool: deps.pool, signatures: deps.signatures, embedder: deps.embedder, log,
        stormWindowMs: deps.config.stormWindowMs,
      }, runId, attempt);
      log.debug({ outcome }, 'failure analysed');
      if (outcome.kind === 'attached' && outcome.opened) await deps.notifier.publish({ kind: 'incident.opened', incidentId: outcome.incidentId });
      const analysed = outcome.kind === 'attached' ? outcome
        : outcome.kind === 'already-analysed' && deps.config.heal !== 'off' ? await undecidedAttempt(deps.pool, runId, attempt) : undefined;
      if (!analysed) return;
      // A failure after an execution is its verdict; then Medic decides about the failure itself.
      const job = await jobOfRun(deps.pool, runId);
      if (job !== undefined) await verifyJob(deps, job);
      const healed = await healFailure(deps, { runId, attempt, incidentId: analysed.incidentId, signatureId: analysed.signatureId });
      log.debug({ healed, incidentId: analysed.incidentId }, 'heal loop');
    },
    'settle-incidents': async ({ jobId }) => {
      // Medic's own executions are judged first, so the incident is resolved by the action Medic took.
      await verifyJob(deps, jobId);
      const resolved = await withTransaction(deps.pool, (tx) => settleRecovered(tx, jobId));
      for (const incidentId of resolved) await deps.notifier.publish({ kind: 'incident.resolved', incidentId });
    },
    'forecast-sweep': async () => {
      const outcomes = await sweep(deps.pool, deps.clock());
      for (const o of outcomes) if (o.kind === 'raised') deps.log.warn({ service: o.service, instance: o.instance }, 'SLA risk raised');
      for (const o of outcomes) {
        if (o.kind === 'raised' || o.kind === 'updated' || o.kind === 'cleared') await deps.notifier.publish({ kind: `sla_risk.${o.kind}`, service: o.service, instance: o.instance });
      }
    },
    ...remediationHandlers(deps),
    ...agentHandlers(deps),
    ...slackHandlers(deps),
    ...sourceHandlers(deps),
  };
}
