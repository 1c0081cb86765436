/**
 * Block Kit, as much of it as Medic uses, with Slack's limits kept by construction: a text that
 * would not fit is cut and ends with a link to the whole thing in Medic, so a long failure or a
 * long list of similar incidents never makes Slack refuse a message.
 */

export interface PlainText { type: 'plain_text'; text: string; emoji?: boolean }
export interface Mrkdwn { type: 'mrkdwn'; text: string }
export type TextObject = PlainText | Mrkdwn;

export interface Button {
  type: 'button';
  action_id: string;
  text: PlainText;
  value?: string;
  url?: string;
  style?: 'primary' | 'danger';
  confirm?: { title: PlainText; text: Mrkdwn; confirm: PlainText; deny: PlainText };
}

export type Block =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: Mrkdwn; fields?: Mrkdwn[] }
  | { type: 'actions'; block_id?: string; elements: Button[] }
  | { type: 'context'; elements: Mrkdwn[] }
  | { type: 'divider' };

/** A message as `chat.postMessage` and `chat.update` take it: `text` is the notification and screen-reader fallback. */
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** A modal as `views.open` takes it; Medic's only show things, so they have Close and no Submit. */
export interface ModalView {
  type: 'modal';
  title: PlainText;
  close: PlainText;
  blocks: Block[];
}

/** Slack's documented limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  blocks: 50,
  header: 150,
  section: 3_000,
  field: 2_000,
  fields: 10,
  context: 2_000,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  /** Slack truncates `text` past 40,000 characters; a notification needs far less. */
  fallback: 4_000,
  /** A modal's title, close and submit texts. */
  viewTitle: 24,
  viewBlocks: 100,
} as const;

/** Escapes the three characters Slack's mrkdwn reserves, for text that comes from logs and people. */
export function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** A link in mrkdwn. */
export const link = (url: string, label: string) => `<${url}|${label.replaceAll('|', '/').replaceAll('>', '')}>`;

/**
 * `text` cut to `max` characters, ending with a link to `more` when it was cut. Cuts at a line
 * break when one is near, so that a list loses whole items.
 */
export function fit(text: string, max: number, more?: string): string {
  if (text.length <= max) return text;
  const linked = more ? `\n… ${link(more, 'more in Medic')}` : '…';
  // A link that would crowd out the text is left out: the limit holds either way.
  const tail = linked.length * 2 <= max ? linked : '…';
  const budget = Math.max(0, max - tail.length);
  const cut = text.lastIndexOf('\n', budget);
  return `${text.slice(0, cut > budget * 0.6 ? cut : budget)}${tail}`;
}

/** One line of untrusted text as inline code: escaped, without backticks, cut to `max`. */
export function code(text: string, max = 300): string {
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? text).trim().replaceAll('`', "'");
  return `\`${escape(line.length > max ? `${line.slice(0, max - 1)}…` : line)}\``;
}

/** A time shown in each reader's own time zone, with UTC as the fallback. */
export function slackDate(at: Date, format = '{date_short_pretty} {time}'): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^${format}|${at.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

export const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: fit(text, LIMITS.header), emoji: true } });

export const section = (text: string, more?: string, fields: string[] = []): Block => ({
  type: 'section', text: { type: 'mrkdwn', text: fit(text, LIMITS.section, more) },
  ...(fields.length ? { fields: fields.slice(0, LIMITS.fields).map((f) => ({ type: 'mrkdwn' as const, text: fit(f, LIMITS.field, more) })) } : {}),
});

export const context = (parts: string[], more?: string): Block => ({
  type: 'context', elements: parts.slice(0, LIMITS.contextElements).map((p) => ({ type: 'mrkdwn' as const, text: fit(p, LIMITS.context, more) })),
});

export function button(b: { actionId: string; text: string; value: string; style?: 'primary' | 'danger'; confirm?: { title: string; text: string; yes: string } }): Button {
  if (b.value.length > LIMITS.buttonValue || b.actionId.length > LIMITS.actionId) throw new Error(`button ${b.actionId} exceeds Slack's limits`);
  const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: fit(text, max) });
  return {
    type: 'button', action_id: b.actionId, text: plain(b.text, LIMITS.buttonText), value: b.value,
    ...(b.style ? { style: b.style } : {}),
    ...(b.confirm ? { confirm: { title: plain(b.confirm.title, 100), text: { type: 'mrkdwn', text: fit(b.confirm.text, 300) }, confirm: plain(b.confirm.yes, 30), deny: plain('Cancel', 30) } } : {}),
  };
}

/** At most `max` blocks, the last one a link to the rest in Medic when some were left out. */
function upTo(max: number, blocks: Block[], more: string): Block[] {
  return blocks.length <= max ? blocks : [...blocks.slice(0, max - 1), context([`${blocks.length - max + 1} more blocks: ${link(more, 'open in Medic')}`])];
}

/** The message within Slack's limits: at most 50 blocks and a short fallback. */
export function message(text: string, blocks: Block[], more: string): SlackMessage {
  return { text: fit(text, LIMITS.fallback, more), blocks: upTo(LIMITS.blocks, blocks, more) };
}

/** A modal within Slack's limits: a title of at most 24 characters and at most 100 blocks. */
export function modal(title: string, blocks: Block[], more: string): ModalView {
  const plain = (text: string): PlainText => ({ type: 'plain_text', text: fit(text, LIMITS.viewTitle) });
  return { type: 'modal', title: plain(title), close: plain('Close'), blocks: upTo(LIMITS.viewBlocks, blocks, more) };
}
