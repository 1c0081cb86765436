import type { Deps } from './deps.ts';
import { withTransaction } from './db/pool.ts';
import { analyseFailure, settleRecovered } from './incidents/analyse.ts';
import type { JobHandlers } from './queue/catalog.ts';
import { sweep } from './sla/risks.ts';

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
    },
    'settle-incidents': async ({ jobId }) => {
      await withTransaction(deps.pool, (tx) => settleRecovered(tx, jobId));
    },
    'forecast-sweep': async () => {
      const outcomes = await sweep(deps.pool, deps.clock());
      for (const o of outcomes) if (o.kind === 'raised') deps.log.warn({ service: o.service, instance: o.instance }, 'SLA risk raised');
    },
  };
}
