/**
 * `POST /slack/events`: Slack's one request URL for events, interactivity and slash commands.
 * In its own plugin scope the body is kept as raw bytes, so the signature is checked (by Bolt's
 * `verifySlackRequest`, `signature.ts`) on exactly what Slack signed before anything is parsed; a
 * bad, stale or replayed request is refused with 401 and logged, and touches nothing else.
 */
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { runCommand } from './commands.ts';
import { handleClick } from './interactions.ts';
import { BlockActions, EventsBody, SlashCommand } from './payloads.ts';
import { loadSlackVerifier, SIGNATURE_WINDOW_S, type SlackVerifier } from './signature.ts';
import { rememberRequest } from './sql.ts';

/** Slack's payloads are small; a message's blocks come back with a click, so leave room for them. */
const BODY_LIMIT = 1024 * 1024;

const header = (req: FastifyRequest, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Verifies the signature, the timestamp window and that the request is new; throws 401 otherwise. */
async function verify(deps: Deps, verifier: SlackVerifier | undefined, req: FastifyRequest, body: Buffer, log: FastifyBaseLogger): Promise<void> {
  const secret = deps.config.slack.signingSecret;
  if (!secret || !verifier) throw new AppError('unavailable', 'Slack is not configured on this Medic: set SLACK_SIGNING_SECRET');
  const now = deps.clock();
  const timestamp = header(req, 'x-slack-request-timestamp');
  const v = verifier({ secret, timestamp, signature: header(req, 'x-slack-signature'), body, now });
  if (v.kind === 'refused') {
    log.warn({ reason: v.reason, timestamp, ip: req.ip }, `Slack request refused: ${v.detail}`);
    throw new AppError('unauthorized', `Slack request refused: ${v.detail}`);
  }
  const forgetBefore = Math.floor(now.getTime() / 1000) - 2 * SIGNATURE_WINDOW_S;
  if (!(await rememberRequest(deps.pool, v.timestamp, v.signature, forgetBefore))) {
    log.warn({ reason: 'replay', timestamp, ip: req.ip }, 'Slack request refused: it was seen before (a replay)');
    throw new AppError('unauthorized', 'Slack request refused: it was seen before');
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('bad_request', `${what} is not valid JSON`);
  }
}

function parsed<T>(result: { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } }, what: string): T {
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message }));
  throw new AppError('bad_request', `${what}: ${details[0]?.path.join('.') ?? ''} ${details[0]?.message ?? 'is invalid'}`, { details });
}

export function slackRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    // Bolt is loaded where Slack is configured, at start, so no request waits for it.
    const verifier = deps.config.slack.signingSecret ? await loadSlackVerifier() : undefined;
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json'], { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    // Clicks are answered after the acknowledgement; closing the app waits for them.
    const inflight = new Set<Promise<void>>();
    app.addHook('onClose', async () => {
      await Promise.allSettled([...inflight]);
    });

    app.post('/slack/events', { schema: { summary: 'Slack events, interactivity and slash commands (signed by Slack; see the README)', tags: ['slack'] } }, async (req, reply) => {
      const body = req.body;
      if (!Buffer.isBuffer(body)) throw new AppError('bad_request', 'send application/x-www-form-urlencoded or application/json');
      await verify(deps, verifier, req, body, req.log);
      const text = body.toString('utf8');
      if (req.headers['content-type']?.startsWith('application/json')) {
        const event = parsed(EventsBody.safeParse(parseJson(text, 'the body')), 'event');
        return event.type === 'url_verification' ? { challenge: event.challenge } : {};
      }
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      if (payload !== null) {
        const json = parseJson(payload, 'payload');
        // Modals, shortcuts and the like are acknowledged and left alone.
        if ((json as { type?: unknown } | null)?.type !== 'block_actions') return reply.status(200).send();
        const click = parsed(BlockActions.safeParse(json), 'payload');
        const work = handleClick(deps, click).catch((err: unknown) => req.log.error({ err, userId: click.user.id }, 'Slack click failed'));
        inflight.add(work);
        void work.finally(() => inflight.delete(work));
        return reply.status(200).send();
      }
      if (form.has('ssl_check')) return reply.status(200).send();
      const command = parsed(SlashCommand.safeParse(Object.fromEntries(form)), 'slash command');
      return runCommand(deps, command);
    });
  };
}
