/**
 * What the Slack tests send Medic: requests built from the real payloads in
 * shared/data/formats/slack, signed as Slack signs them; the local Slack itself is in src/fakes.
 */
import { readFileSync } from 'node:fs';
import { SIGNING_SECRET, type Block } from '../../src/fakes/slack.ts';
import { signatureOf } from '../../src/slack/signature.ts';
import { sharedData } from './deps.ts';

export { blockProblem, BOT_TOKEN, SIGNING_SECRET, startLocalSlack, type Block, type LocalSlack, type OpenedView, type PostedMessage } from '../../src/fakes/slack.ts';

/** Headers Slack would send with `body`: its signature at `timestamp` (now unless told), with `secret`. */
export function signed(body: string, o: { timestamp?: number; secret?: string; contentType?: string } = {}): Record<string, string> {
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signatureOf(o.secret ?? SIGNING_SECRET, timestamp, body),
  };
}

const withMessage = JSON.parse(readFileSync(sharedData('formats', 'slack', 'block_actions_with_message.payload.json'), 'utf8')) as Record<string, unknown>;
const slashRaw = readFileSync(sharedData('formats', 'slack', 'slash_command.raw-body.txt'), 'utf8');

/** A `block_actions` body as Slack posts it (`payload=<JSON>`), from Slack's own payload with Medic's button in it (and its trigger id unless told). */
export function clickBody(c: { userId: string; actionId: string; value: string; responseUrl: string; channel?: string; messageTs?: string; triggerId?: string }): string {
  const base = withMessage as { container: Record<string, unknown>; channel: Record<string, unknown>; actions: Record<string, unknown>[] };
  const payload = {
    ...withMessage,
    user: { id: c.userId },
    container: { ...base.container, ...(c.channel ? { channel_id: c.channel } : {}), ...(c.messageTs ? { message_ts: c.messageTs } : {}) },
    channel: { id: c.channel ?? base.channel.id },
    response_url: c.responseUrl,
    ...(c.triggerId ? { trigger_id: c.triggerId } : {}),
    actions: [{ ...base.actions[0], action_id: c.actionId, value: c.value, block_id: `medic:${c.value}`, text: { type: 'plain_text', text: c.actionId } }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A `/medic` slash command body as Slack posts it, from Slack's own example with the text and user changed. */
export function commandBody(c: { userId: string; text: string; responseUrl: string }): string {
  const form = new URLSearchParams(slashRaw);
  form.set('command', '/medic');
  form.set('text', c.text);
  form.set('user_id', c.userId);
  form.set('user_name', c.userId.toLowerCase());
  form.set('response_url', c.responseUrl);
  return form.toString();
}

/** The texts of a message's blocks, joined, for matching. */
export function blockText(blocks: Block[]): string {
  return blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text), ...(b.elements ?? []).map((e) => (typeof e.text === 'string' ? e.text : e.text?.text ?? ''))]).join('\n');
}

/** The buttons of a message, as `action_id=value`. */
export function buttons(blocks: Block[]): string[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => (b.elements ?? []).map((e) => `${e.action_id}=${e.value}`));
}
