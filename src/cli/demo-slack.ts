/**
 * The demo's Slack messages: the `chat.postMessage` arguments Medic would send — channel, the
 * notification text and the Block Kit blocks — printed rather than posted, so that the demo needs
 * no Slack workspace. With SLACK_BOT_TOKEN set, `medic serve` posts exactly these.
 */
import type { Deps } from '../deps.ts';
import { render } from '../slack/deliver.ts';
import { riskMessage } from '../slack/risk-blocks.ts';
import { riskCardOf } from '../slack/risk-card.ts';
import { channelOfServices, subjectOf } from '../slack/subjects.ts';
import type { ServiceForecast } from '../sla/service-forecast.ts';

const indent = (text: string, by: string) => text.split('\n').map((l) => `${by}${l}`).join('\n');

function print(what: string, args: { channel: string; text: string; blocks: unknown[] }): void {
  console.log(`\n   ${what} (chat.postMessage, Block Kit; the demo posts nothing):\n`);
  console.log(indent(JSON.stringify(args, null, 2), '      '));
}

/** The message about a service at risk, as the forecast sweep would have it posted. */
export async function showSlackRisk(deps: Pick<Deps, 'pool' | 'config'>, f: ServiceForecast, title: string | null): Promise<void> {
  if (!f.atRisk) return;
  const channel = await channelOfServices(deps.pool, deps.config.slack, [f.service]) ?? '#(SLACK_DEFAULT_CHANNEL)';
  print(`Slack: the SLA risk Medic posts to ${channel}`, { channel, ...riskMessage(riskCardOf(f, title, 'open'), deps.config.publicUrl) });
}

/** The incident's message with the approval request and its buttons, as it stands now. */
export async function showSlackApproval(deps: Pick<Deps, 'pool' | 'config'>, approvalId: number): Promise<void> {
  const subject = await subjectOf(deps.pool, { kind: 'approval.requested', approvalId });
  const view = subject ? await render(deps, subject) : undefined;
  if (!view) return;
  const channel = await view.channel() ?? '#(SLACK_DEFAULT_CHANNEL)';
  print(`Slack: the incident and its approval request, posted to ${channel} with Approve, Reject and Details`, { channel, ...view.message });
}
