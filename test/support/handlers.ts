import type { JobHandlers } from '../../src/queue/catalog.ts';

/** Queue handlers that do nothing, but for the ones a test gives: for tests of the queue itself. */
export function idleHandlers(given: Partial<JobHandlers>): JobHandlers {
  const idle = async () => undefined;
  return {
    'analyse-failure': idle, 'settle-incidents': idle, 'forecast-sweep': idle, 'execute-action': idle, 'heal-sweep': idle,
    'agent-run': idle, 'agent-resume': idle, 'source-sync': idle, notify: idle, ...given,
  };
}
