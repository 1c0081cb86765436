/**
 * Button clicks on Medic's messages. Slack wants its 200 within three seconds, so the route
 * acknowledges first and this runs after; the answer to the clicker goes to the click's
 * `response_url`, privately. Details opens a modal instead (`views.open` with the click's
 * `trigger_id`), and falls back to the private answer when Slack will not open it. A vote that
 * is recorded updates the message through the queue.
 */
import type { Deps } from '../deps.ts';
import type { Block, ModalView } from './blocks.ts';
import { loadIncidentCard } from './card.ts';
import type { SlackApi } from './client.ts';
import { detailsMessage, detailsModal } from './details.ts';
import { ACTIONS } from './incident-blocks.ts';
import type { BlockActions } from './payloads.ts';
import { ownerOfApproval } from './sql.ts';
import { voteFromSlack, voteReply, type SlackVoteDeps } from './vote.ts';

export type InteractionDeps = SlackVoteDeps & Pick<Deps, 'pool'>;

type Answer = { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: Block[] };
/** What a click comes to: the answer for the clicker, and for Details the modal that shows the same. */
export type ClickOutcome = { answer: Answer; modal?: ModalView };

const ids = new Set<string>(Object.values(ACTIONS));

/** `approval:7` or `incident:12`, as the buttons carry them. */
function parseValue(value: string | undefined): { kind: 'approval' | 'incident'; id: number } | undefined {
  const m = /^(approval|incident):(\d{1,15})$/.exec(value ?? '');
  return m ? { kind: m[1] === 'approval' ? 'approval' : 'incident', id: Number(m[2]) } : undefined;
}

async function details(deps: InteractionDeps, ref: { kind: 'approval' | 'incident'; id: number }): Promise<ClickOutcome> {
  const owner = ref.kind === 'approval' ? await ownerOfApproval(deps.pool, ref.id) : undefined;
  const card = ref.kind === 'incident' ? await loadIncidentCard(deps.pool, { incidentId: ref.id })
    : owner?.incident_id ? await loadIncidentCard(deps.pool, { incidentId: owner.incident_id }) : await loadIncidentCard(deps.pool, { approvalId: ref.id });
  if (!card) return { answer: { response_type: 'ephemeral', text: `${ref.kind} ${ref.id} does not exist.` } };
  return { answer: { response_type: 'ephemeral', ...detailsMessage(card, deps.config.publicUrl) }, modal: detailsModal(card, deps.config.publicUrl) };
}

/** What a click comes to; undefined when it was not one of Medic's buttons. */
export async function answerClick(deps: InteractionDeps, p: BlockActions): Promise<ClickOutcome | undefined> {
  const action = p.actions.find((a) => ids.has(a.action_id));
  const ref = parseValue(action?.value);
  if (!action || !ref) return undefined;
  if (action.action_id === ACTIONS.details) return details(deps, ref);
  if (ref.kind !== 'approval') return undefined;
  // A rejection must say why; a button cannot, so the clicker is told how.
  if (action.action_id === ACTIONS.reject) return { answer: { response_type: 'ephemeral', text: `To reject approval ${ref.id}, say why: \`/medic reject ${ref.id} <reason>\`` } };
  return { answer: voteReply(await voteFromSlack(deps, p.user.id, ref.id, 'approve', null), ref.id, 'approve', false) };
}

/** Opens the modal; false, and logged, when Slack will not (an expired trigger, an outage, a refused token). */
async function opened(slack: SlackApi, deps: InteractionDeps, p: BlockActions, view: ModalView): Promise<boolean> {
  if (!p.trigger_id) {
    deps.log.warn({ userId: p.user.id }, 'Details shown as a private message: the click had no trigger_id');
    return false;
  }
  try {
    await slack.openView({ triggerId: p.trigger_id, view });
    return true;
  } catch (err) {
    deps.log.warn({ err, userId: p.user.id }, `Details shown as a private message: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

/** Handles a click after it was acknowledged: a modal for Details, else an answer through its `response_url`. */
export async function handleClick(deps: InteractionDeps, p: BlockActions): Promise<void> {
  const outcome = await answerClick(deps, p);
  if (!outcome) return;
  if (!deps.slack) {
    deps.log.warn({ userId: p.user.id }, 'a Slack click could not be answered: no SLACK_BOT_TOKEN');
    return;
  }
  if (outcome.modal && await opened(deps.slack, deps, p, outcome.modal)) return;
  if (!p.response_url) {
    deps.log.warn({ userId: p.user.id }, 'a Slack click could not be answered: no response_url');
    return;
  }
  await deps.slack.respond(p.response_url, { ...outcome.answer, replace_original: false });
}
