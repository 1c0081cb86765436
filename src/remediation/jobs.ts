import type { Deps } from '../deps.ts';
import type { JobHandlers } from '../queue/catalog.ts';
import { runExecution } from './execute.ts';
import { healSweep } from './sweep.ts';

/** The queue handlers of remediation: carry out one execution, and the heal sweep. */
export function remediationHandlers(deps: Deps): Pick<JobHandlers, 'execute-action' | 'heal-sweep'> {
  return {
    'execute-action': async ({ executionId }, ctx) => {
      const result = await runExecution(deps, executionId);
      deps.log.child({ executionId, jobId: ctx.jobId }).info({ result }, `execution ${result.kind}`);
    },
    'heal-sweep': async () => {
      const report = await healSweep(deps);
      if (report.lapsed + report.requeued + report.verified + report.expired + report.recovered + report.reanalysed > 0) deps.log.info({ report }, 'heal sweep');
    },
  };
}
