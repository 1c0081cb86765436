import type { Deps } from '../deps.ts';
import type { JobHandlers } from '../queue/catalog.ts';
import { deliver } from './deliver.ts';

/** The queue handler that tells people: the Slack message of the event's subject, brought up to date. */
export function slackHandlers(deps: Deps): Pick<JobHandlers, 'notify'> {
  return {
    notify: async (event, ctx) => {
      const result = await deliver(deps, event);
      deps.log.child({ jobId: ctx.jobId }).debug({ event, result }, `notify ${result.kind}`);
    },
  };
}
