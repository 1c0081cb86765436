import { createAgentRun, driveAgentRun } from '../agent/run.ts';
import { agentRunsOf, agentSteps, getAgentRun } from '../agent/sql.ts';
import type { Deps } from '../deps.ts';
import { renderAgentRun } from './agent.ts';

/**
 * An agent step on the latest out-of-memory failure, which the shipped policies hand to the
 * agent (`run_agent`): the planner's ranked hypotheses and what it proposes within the policies.
 * A demo run again on the same store shows the earlier run instead of starting another.
 */
export async function showAgent(deps: Deps): Promise<void> {
  const incident = (await deps.pool.query<{ id: number }>(
    `select i.id from incidents i join signatures s on s.id = i.signature_id
      where s.template ~* '(out of memory|oomkilled)' order by i.last_seen_at desc, i.id desc limit 1`)).rows[0];
  if (!incident) return;
  const earlier = (await agentRunsOf(deps.pool, incident.id)).find((r) => r.requested_by === 'demo');
  const id = earlier?.id ?? await start(deps, incident.id);
  const run = id === undefined ? undefined : await getAgentRun(deps.pool, id);
  if (!run) return;
  console.log(`\n9. An agent step on incident ${incident.id}, an out-of-memory failure the policies hand to the agent (\`medic agent run ${incident.id}\`)\n`);
  console.log(renderAgentRun(run, await agentSteps(deps.pool, run.id)).split('\n').map((l) => `   ${l}`).join('\n'));
}

async function start(deps: Deps, incidentId: number): Promise<number | undefined> {
  const made = await createAgentRun(deps, { incidentId, requestedBy: 'demo' });
  if (made.kind !== 'created' && made.kind !== 'exists') return undefined;
  await driveAgentRun(deps, made.agentRunId);
  return made.agentRunId;
}
