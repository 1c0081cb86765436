/**
 * Medic's side of Slack's Web API, through the real `@slack/web-api` client. The client itself
 * retries nothing and rejects rate-limited calls at once: the queue owns retries, so a Slack
 * outage delays a `notify` job (and waits out a `Retry-After`) instead of holding a worker.
 */
import { LogLevel, WebClient, type Logger as SlackLogger } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Block, ModalView } from './blocks.ts';
import { slackError } from './errors.ts';

/** What Medic asks of Slack. Failures throw an `AppError` whose code says whether to retry. */
export interface SlackApi {
  /** `auth.test`: the workspace and bot the token belongs to. */
  whoAmI(): Promise<{ team: string; user: string }>;
  /** `chat.postMessage`; with `threadTs`, a reply in that message's thread. */
  postMessage(m: { channel: string; text: string; blocks?: Block[]; threadTs?: string }): Promise<{ channel: string; ts: string }>;
  /** `chat.update` of a message Medic posted. */
  update(m: { channel: string; ts: string; text: string; blocks: Block[] }): Promise<void>;
  /** The user's email (`users.info`, needs `users:read.email`), null when Slack has none. */
  userEmail(userId: string): Promise<string | null>;
  /** `views.open`: a modal for the user whose click gave `triggerId` (good once, for three seconds). */
  openView(v: { triggerId: string; view: ModalView }): Promise<void>;
  /** Answers an interaction or a command through its `response_url` (`{"response_type": "ephemeral", …}`). */
  respond(responseUrl: string, body: { response_type?: 'ephemeral' | 'in_channel'; replace_original?: boolean; text: string; blocks?: Block[] }): Promise<void>;
}

export interface SlackApiOptions {
  token: string;
  /** Slack's Web API, e.g. `https://slack.com/api` (no trailing slash). */
  apiUrl: string;
  log: Logger;
  /** Per call. @defaultValue 10 s */
  timeoutMs?: number;
}

/** Where `response_url`s may point: Slack's hooks, or the configured API's own host (a local server in tests). */
function responseUrlAllowed(url: string, apiUrl: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' && u.hostname === 'hooks.slack.com') || u.origin === new URL(apiUrl).origin;
  } catch {
    return false;
  }
}

/** Slack's logger interface over pino; the client's own chatter is debug. */
function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.debug({ slack: msg }, 'slack client'),
    info: (...msg: unknown[]) => log.debug({ slack: msg }, 'slack client'),
    warn: (...msg: unknown[]) => log.debug({ slack: msg }, 'slack client warning'),
    error: (...msg: unknown[]) => log.warn({ slack: msg }, 'slack client error'),
    setLevel: (l: LogLevel) => { level = l; },
    getLevel: () => level,
    setName: () => undefined,
  };
}

const Posted = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
const UserInfo = z.object({ user: z.object({ profile: z.object({ email: z.string().optional() }).optional() }).optional() });

export function createSlackApi(o: SlackApiOptions): SlackApi {
  const timeout = o.timeoutMs ?? 10_000;
  const web = new WebClient(o.token, {
    slackApiUrl: `${o.apiUrl}/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout,
    logger: slackLogger(o.log), logLevel: LogLevel.DEBUG,
    // Methods are named, never absolute URLs: the token goes only to the configured API.
    allowAbsoluteUrls: false,
  });
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw slackError(what, err);
    }
  };
  return {
    async postMessage(m) {
      const res = await call('chat.postMessage', () => web.chat.postMessage({
        channel: m.channel, text: m.text, unfurl_links: false, unfurl_media: false,
        ...(m.blocks ? { blocks: m.blocks } : {}), ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      }));
      const posted = Posted.safeParse(res);
      if (!posted.success) throw new AppError('internal', 'chat.postMessage: Slack answered without channel and ts');
      return posted.data;
    },
    async whoAmI() {
      const res = await call('auth.test', () => web.auth.test());
      return { team: String(res.team ?? ''), user: String(res.user ?? '') };
    },
    async update(m) {
      await call('chat.update', () => web.chat.update({ channel: m.channel, ts: m.ts, text: m.text, blocks: m.blocks }));
    },
    async openView(v) {
      await call('views.open', () => web.views.open({ trigger_id: v.triggerId, view: v.view }));
    },
    async userEmail(userId) {
      const res = await call('users.info', () => web.users.info({ user: userId }));
      return UserInfo.parse(res).user?.profile?.email ?? null;
    },
    async respond(responseUrl, body) {
      if (!responseUrlAllowed(responseUrl, o.apiUrl)) throw new AppError('bad_request', `response_url ${responseUrl} is not Slack's`);
      const res = await fetch(responseUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'error', signal: AbortSignal.timeout(timeout),
      }).catch((err: unknown) => { throw new AppError('unavailable', `response_url: ${err instanceof Error ? err.message : String(err)}`, { cause: err }); });
      if (!res.ok) throw new AppError(res.status >= 500 ? 'unavailable' : 'bad_request', `response_url: HTTP ${res.status}`);
    },
  };
}
