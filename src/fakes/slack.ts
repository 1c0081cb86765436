/**
 * A local Slack: a node:http server that answers the Web API methods Medic calls (`auth.test`,
 * `chat.postMessage`, `chat.update`, `users.info`, `views.open`) as Slack does — form-encoded
 * (or, for `views.open`, JSON) requests with a bearer token, `{ok: …}` answers, Block Kit limits
 * enforced with `invalid_blocks` and `invalid_arguments`, trigger ids good once — and records
 * `response_url` posts; it can be scripted to fail (500s, 429 with `Retry-After`, an expired
 * trigger). Beside the orchestrators' fakes, for tests and evals; Medic itself never calls it.
 */
import { startFakeServer, type FakeReply, type FakeServer, type RecordedCall } from './server.ts';

export const BOT_TOKEN = 'xoxb-test-token';
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

export interface PostedMessage { channel: string; ts: string; text: string; blocks: Block[]; thread_ts?: string }
export type Block = { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { type: string; action_id?: string; value?: string; text?: string | { text: string } }[] };
export interface OpenedView { trigger_id: string; view: { type: 'modal'; title: { type: string; text: string }; close?: { type: string; text: string }; blocks: Block[] } }

export interface LocalSlack extends FakeServer {
  /** What to set `SLACK_API_URL` to. */
  apiUrl: string;
  /** Messages accepted by `chat.postMessage` (thread replies have `thread_ts`), in order. */
  posts: PostedMessage[];
  /** Accepted `chat.update`s, in order. */
  updates: PostedMessage[];
  /** Modals opened by `views.open`, in order. */
  views: OpenedView[];
  /** Makes `views.open` with this trigger id answer `expired_trigger_id`, as after Slack's three seconds. */
  expireTrigger(triggerId: string): void;
  /** Bodies posted to response URLs, in order. */
  responses: { path: string; body: Record<string, unknown> }[];
  /** A response URL on this server, as Slack would put in a payload. */
  responseUrl(name: string): string;
  /** The channel id Slack gives a channel name (`#finance-oncall` → `C…`). */
  channelId(name: string): string;
  /** The current blocks of a message (after its updates). */
  current(ts: string): PostedMessage | undefined;
}

const LIMITS = { blocks: 50, viewBlocks: 100, viewTitle: 24, section: 3_000, header: 150, field: 2_000, fields: 10, buttonValue: 2_000, text: 40_000 };

/** Why Slack would refuse these blocks (at most `max`: 50 in a message, 100 in a modal), or undefined when it would take them. */
export function blockProblem(blocks: Block[], max: number = LIMITS.blocks): string | undefined {
  if (blocks.length > max) return `${blocks.length} blocks`;
  for (const b of blocks) {
    if (b.type === 'header' && (b.text?.text.length ?? 0) > LIMITS.header) return 'header too long';
    if (b.type === 'section' && (b.text?.text.length ?? 0) > LIMITS.section) return `section of ${b.text?.text.length} characters`;
    if ((b.fields?.length ?? 0) > LIMITS.fields || b.fields?.some((f) => f.text.length > LIMITS.field)) return 'fields';
    if (b.elements?.some((e) => (e.value?.length ?? 0) > LIMITS.buttonValue)) return 'button value';
  }
  return undefined;
}

/** Why Slack would refuse this view, in its `[ERROR] … [json-pointer:…]` words, or undefined when it would take it. */
function viewProblem(view: unknown): string | undefined {
  if (typeof view !== 'object' || view === null) return '[ERROR] missing required field: view';
  const v = view as { type?: unknown; title?: { type?: unknown; text?: unknown }; close?: { type?: unknown; text?: unknown }; blocks?: unknown };
  if (v.type !== 'modal') return '[ERROR] must be a known view type [json-pointer:/view/type]';
  for (const [key, text] of [['title', v.title], ['close', v.close]] as const) {
    if (key === 'close' && text === undefined) continue;
    if (text?.type !== 'plain_text' || typeof text.text !== 'string' || text.text === '') return `[ERROR] must be a plain_text object [json-pointer:/view/${key}]`;
    if (text.text.length > LIMITS.viewTitle) return `[ERROR] must be less than ${LIMITS.viewTitle + 1} characters [json-pointer:/view/${key}/text]`;
  }
  if (!Array.isArray(v.blocks)) return '[ERROR] missing required field: blocks [json-pointer:/view/blocks]';
  const problem = blockProblem(v.blocks as Block[], LIMITS.viewBlocks);
  return problem ? `[ERROR] ${problem} [json-pointer:/view/blocks]` : undefined;
}

/** The `view` argument: a JSON string in a form, an object in a JSON body; undefined when unreadable. */
function viewArgument(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export async function startLocalSlack(users: Record<string, string> = {}): Promise<LocalSlack> {
  const posts: PostedMessage[] = [];
  const updates: PostedMessage[] = [];
  const responses: { path: string; body: Record<string, unknown> }[] = [];
  const views: OpenedView[] = [];
  const expired = new Set<string>();
  const exchanged = new Set<string>();
  const byTs = new Map<string, PostedMessage>();
  const channelId = (name: string) => (name.startsWith('#') ? `C${Buffer.from(name.slice(1)).toString('hex').toUpperCase().slice(0, 10)}` : name);
  let seq = 0;
  const fail = (error: string, messages?: string[]): FakeReply => ({ status: 200, body: { ok: false, error, ...(messages ? { response_metadata: { messages } } : {}) } });
  const openView = (args: Record<string, unknown>): FakeReply => {
    const triggerId = typeof args.trigger_id === 'string' ? args.trigger_id : '';
    if (triggerId === '') return fail('invalid_arguments', ['invalid `trigger_id`']);
    const view = viewArgument(args.view);
    const problem = viewProblem(view);
    if (problem) return fail('invalid_arguments', [problem]);
    if (expired.has(triggerId)) return fail('expired_trigger_id');
    if (exchanged.has(triggerId)) return fail('exchanged_trigger_id');
    exchanged.add(triggerId);
    const opened = { trigger_id: triggerId, view: view as OpenedView['view'] };
    views.push(opened);
    return { status: 200, body: { ok: true, view: { id: `V${String(views.length).padStart(8, '0')}`, team_id: 'T0MEDIC', ...opened.view, state: { values: {} }, hash: `${Date.now()}.medic` } } };
  };
  const routes = (call: RecordedCall): FakeReply => {
    if (call.path.startsWith('/response/')) {
      responses.push({ path: call.path, body: call.body as Record<string, unknown> });
      return { status: 200, body: { ok: true } };
    }
    if (call.headers.authorization !== `Bearer ${BOT_TOKEN}`) return fail('invalid_auth');
    if (call.path === '/api/views.open') return openView((call.body ?? {}) as Record<string, unknown>);
    const form = (call.body ?? {}) as Record<string, string>;
    const blocks = form.blocks ? (JSON.parse(form.blocks) as Block[]) : [];
    if (blocks.length && blockProblem(blocks)) return fail('invalid_blocks');
    if ((form.text?.length ?? 0) > LIMITS.text) return fail('msg_too_long');
    switch (call.path) {
      case '/api/auth.test':
        return { status: 200, body: { ok: true, url: 'https://medic-test.slack.com/', team: 'Medic Test', user: 'medic', team_id: 'T0MEDIC', user_id: 'U0MEDIC', bot_id: 'B0MEDIC' } };
      case '/api/chat.postMessage': {
        if (!form.channel || form.channel === 'C_GONE') return fail('channel_not_found');
        if (!form.text && !blocks.length) return fail('no_text');
        seq += 1;
        const m: PostedMessage = { channel: channelId(form.channel), ts: `${1_700_000_000 + seq}.${String(seq).padStart(6, '0')}`, text: form.text ?? '', blocks, ...(form.thread_ts ? { thread_ts: form.thread_ts } : {}) };
        posts.push(m);
        byTs.set(m.ts, m);
        return { status: 200, body: { ok: true, channel: m.channel, ts: m.ts, message: { type: 'message', text: m.text, ts: m.ts } } };
      }
      case '/api/chat.update': {
        const old = form.ts ? byTs.get(form.ts) : undefined;
        if (!old || old.channel !== form.channel) return fail('message_not_found');
        const m: PostedMessage = { ...old, text: form.text ?? old.text, blocks };
        updates.push(m);
        byTs.set(m.ts, m);
        return { status: 200, body: { ok: true, channel: m.channel, ts: m.ts, text: m.text } };
      }
      case '/api/users.info': {
        const email = form.user ? users[form.user] : undefined;
        return email ? { status: 200, body: { ok: true, user: { id: form.user, profile: { email } } } } : fail('user_not_found');
      }
      default:
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
    }
  };
  const server = await startFakeServer(routes);
  return {
    ...server, apiUrl: `${server.url}/api`, posts, updates, views, responses, channelId,
    expireTrigger: (triggerId) => { expired.add(triggerId); },
    responseUrl: (name) => `${server.url}/response/${name}`,
    current: (ts) => byTs.get(ts),
  };
}
