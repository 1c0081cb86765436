/**
 * The `notify` job: brings a subject's Slack message up to date with the rows — posts it the
 * first time, `chat.update`s it afterwards, and replies in its thread once per step. It renders
 * what is true when it runs, under a lease that keeps one worker per subject, so a redelivered,
 * late or concurrent job neither posts twice nor puts an older state back.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { NotifyEvent } from '../notify/events.ts';
import type { SlackMessage } from './blocks.ts';
import { loadIncidentCard } from './card.ts';
import type { SlackApi } from './client.ts';
import { isGoneMessage } from './errors.ts';
import { incidentMessage } from './incident-blocks.ts';
import { incidentReplies, riskReplies, storyOf, type Reply } from './replies.ts';
import { riskMessage } from './risk-blocks.ts';
import { loadRiskCard } from './risk-card.ts';
import { claimMessage, forgetReplies, incidentOpenedAt, postedReplies, releaseMessage, renewMessage, saveMessage, saveReply, type MessageRow } from './sql.ts';
import { channelOfJob, channelOfServices, startsMessage, subjectKey, subjectOf, type Subject } from './subjects.ts';

export type DeliverDeps = Pick<Deps, 'pool' | 'config' | 'clock' | 'log' | 'slack'>;

export type DeliverResult =
  | { kind: 'off' }
  | { kind: 'gone' }
  | { kind: 'skipped'; subject: string; reason: string }
  | { kind: 'delivered'; subject: string; posted: boolean; updated: boolean; replies: number };

/** How long a worker may talk to Slack about a subject before another may take over; renewed before each call. */
const LEASE_MS = 30_000;
/** A job that finds another worker on its subject tries again this soon: that worker is usually done by then. */
const BUSY_RETRY_MS = 250;

/** The message and thread of a subject as the rows stand, and where it would go. */
export interface Rendered {
  message: SlackMessage;
  replies: Reply[];
  channel: () => Promise<string | undefined>;
}

/** Renders the subject's message and thread; undefined when its rows are gone. */
export async function render(deps: Pick<Deps, 'pool' | 'config'>, s: Subject): Promise<Rendered | undefined> {
  const { pool, config } = deps;
  if (s.kind === 'risk') {
    const card = await loadRiskCard(pool, s.service, s.instance);
    return card && { message: riskMessage(card, config.publicUrl), replies: riskReplies(card), channel: () => channelOfServices(pool, config.slack, [s.service]) };
  }
  const card = await loadIncidentCard(pool, s.kind === 'incident' ? { incidentId: s.incidentId } : { approvalId: s.approvalId });
  if (!card) return undefined;
  return { message: incidentMessage(card, config.publicUrl), replies: incidentReplies(card, await storyOf(pool, card)), channel: () => channelOfJob(pool, config.slack, card.job) };
}

/** A failure analysed long after it happened (a backfill) is history, as it is for healing: nobody is paged about it. */
async function isHistory(deps: DeliverDeps, e: NotifyEvent): Promise<boolean> {
  if (e.kind !== 'incident.opened') return false;
  const at = await incidentOpenedAt(deps.pool, e.incidentId);
  return at !== undefined && deps.clock().getTime() - at.getTime() > deps.config.healMaxAgeMs;
}

export async function deliver(deps: DeliverDeps, event: NotifyEvent): Promise<DeliverResult> {
  const slack = deps.slack;
  if (!slack) return { kind: 'off' };
  const subject = await subjectOf(deps.pool, event);
  if (!subject) return { kind: 'gone' };
  const key = subjectKey(subject);
  if (await isHistory(deps, event)) return { kind: 'skipped', subject: key, reason: 'the failure is history (older than MEDIC_HEAL_MAX_AGE_MINUTES)' };
  const token = randomUUID();
  const until = () => new Date(Date.now() + LEASE_MS);
  const row = await claimMessage(deps.pool, { subject: key, channel: '', token, until: until(), now: new Date() });
  if (!row) throw new AppError('unavailable', `another worker is posting ${key}`, { retryAfterMs: BUSY_RETRY_MS });
  try {
    // Rendered under the lease: what a concurrent job wrote before it let go is seen here.
    const view = await render(deps, subject);
    if (!view) return { kind: 'gone' };
    if (!row.ts && !startsMessage(event)) return { kind: 'skipped', subject: key, reason: `nothing was posted about it, and ${event.kind} does not start a message` };
    const keep = async () => {
      if (!(await renewMessage(deps.pool, key, token, until()))) throw new AppError('unavailable', `lost the lease on ${key}`);
    };
    return await sync({ deps, slack, key, token, keep }, row, view);
  } finally {
    await releaseMessage(deps.pool, key, token);
  }
}

interface Sync {
  deps: DeliverDeps;
  slack: SlackApi;
  key: string;
  token: string;
  keep: () => Promise<void>;
}

const digestOf = (m: SlackMessage) => createHash('sha256').update(JSON.stringify(m)).digest('hex');

async function sync(s: Sync, row: MessageRow, view: Rendered): Promise<DeliverResult> {
  const digest = digestOf(view.message);
  let at = row.ts ? { channel: row.channel, ts: row.ts } : undefined;
  let posted = false;
  let updated = false;
  const postNew = async (): Promise<DeliverResult | undefined> => {
    const channel = await view.channel();
    if (!channel) return { kind: 'skipped', subject: s.key, reason: 'no channel: set the service\'s channel, SLACK_CHANNELS or SLACK_DEFAULT_CHANNEL' };
    await s.keep();
    at = await s.slack.postMessage({ channel, ...view.message });
    await forgetReplies(s.deps.pool, s.key);
    await saveMessage(s.deps.pool, s.key, s.token, { ...at, digest });
    posted = true;
    return undefined;
  };
  if (!at) {
    const skipped = await postNew();
    if (skipped) return skipped;
  } else if (row.digest !== digest) {
    await s.keep();
    try {
      await s.slack.update({ ...at, ...view.message });
      await saveMessage(s.deps.pool, s.key, s.token, { ...at, digest });
      updated = true;
    } catch (err) {
      if (!(err instanceof AppError && isGoneMessage(err))) throw err;
      s.deps.log.warn({ subject: s.key, err: err.message }, 'the Slack message is gone: posting it again');
      const skipped = await postNew();
      if (skipped) return skipped;
    }
  }
  if (!at) return { kind: 'skipped', subject: s.key, reason: 'not posted' };
  const done = await postedReplies(s.deps.pool, s.key);
  let replies = 0;
  for (const r of view.replies) {
    if (done.has(r.key)) continue;
    await s.keep();
    const reply = await s.slack.postMessage({ channel: at.channel, text: r.text, threadTs: at.ts });
    await saveReply(s.deps.pool, s.key, r.key, reply.ts);
    replies += 1;
  }
  return { kind: 'delivered', subject: s.key, posted, updated, replies };
}
