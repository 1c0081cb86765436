/**
 * Button clicks on Medic's messages. Slack wants its 200 within three seconds, so the route
 * acknowledges first and this runs after; the answer to the clicker goes to the click's
 * `response_url`, privately. A vote that is recorded updates the message through the queue.
 */
import type { Deps } from '../deps.ts';
import type { Block } from './blocks.ts';
import { loadIncidentCard } from './card.ts';
import { detailsMessage } from './details.ts';
import { ACTIONS } from './incident-blocks.ts';
import type { BlockActions } from './payloads.ts';
import { ownerOfApproval } from './sql.ts';
import { voteFromSlack, voteReply, type SlackVoteDeps } from './vote.ts';

export type InteractionDeps = SlackVoteDeps & Pick<Deps, 'pool'>;

type Answer = { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: Block[] };

const ids = new Set<string>(Object.values(ACTIONS));

/** `approval:7` or `incident:12`, as the buttons carry them. */
function parseValue(value: string | undefined): { kind: 'approval' | 'incident'; id: number } | undefined {
  const m = /^(approval|incident):(\d{1,15})$/.exec(value ?? '');
  return m ? { kind: m[1] === 'approval' ? 'approval' : 'incident', id: Number(m[2]) } : undefined;
}

async function details(deps: InteractionDeps, ref: { kind: 'approval' | 'incident'; id: number }): Promise<Answer> {
  const owner = ref.kind === 'approval' ? await ownerOfApproval(deps.pool, ref.id) : undefined;
  const card = ref.kind === 'incident' ? await loadIncidentCard(deps.pool, { incidentId: ref.id })
    : owner?.incident_id ? await loadIncidentCard(deps.pool, { incidentId: owner.incident_id }) : await loadIncidentCard(deps.pool, { approvalId: ref.id });
  if (!card) return { response_type: 'ephemeral', text: `${ref.kind} ${ref.id} does not exist.` };
  return { response_type: 'ephemeral', ...detailsMessage(card, deps.config.publicUrl) };
}

/** What a click comes to, as the answer for the clicker; undefined when it was not one of Medic's buttons. */
export async function answerClick(deps: InteractionDeps, p: BlockActions): Promise<Answer | undefined> {
  const action = p.actions.find((a) => ids.has(a.action_id));
  const ref = parseValue(action?.value);
  if (!action || !ref) return undefined;
  if (action.action_id === ACTIONS.details) return details(deps, ref);
  if (ref.kind !== 'approval') return undefined;
  // A rejection must say why; a button cannot, so the clicker is told how.
  if (action.action_id === ACTIONS.reject) return { response_type: 'ephemeral', text: `To reject approval ${ref.id}, say why: \`/medic reject ${ref.id} <reason>\`` };
  return voteReply(await voteFromSlack(deps, p.user.id, ref.id, 'approve', null), ref.id, 'approve', false);
}

/** Handles a click after it was acknowledged, answering through its `response_url`. */
export async function handleClick(deps: InteractionDeps, p: BlockActions): Promise<void> {
  const answer = await answerClick(deps, p);
  if (!answer) return;
  if (!p.response_url || !deps.slack) {
    deps.log.warn({ userId: p.user.id }, 'a Slack click could not be answered: no response_url or no SLACK_BOT_TOKEN');
    return;
  }
  await deps.slack.respond(p.response_url, { ...answer, replace_original: false });
}
