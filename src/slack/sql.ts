import type { Queryable } from '../db/pool.ts';

/** The message Medic keeps for one subject. */
export interface MessageRow {
  subject: string;
  channel: string;
  ts: string | null;
  digest: string | null;
}

export async function getMessage(db: Queryable, subject: string): Promise<MessageRow | undefined> {
  return (await db.query<MessageRow>('select subject, channel, ts, digest from slack_messages where subject = $1', [subject])).rows[0];
}

/**
 * Takes the subject's lease (creating its row, routed to `channel`, when there is none) unless
 * another worker holds a live one; the row when taken, undefined when busy.
 */
export async function claimMessage(db: Queryable, c: { subject: string; channel: string; token: string; until: Date; now: Date }): Promise<MessageRow | undefined> {
  const r = await db.query<MessageRow>(
    `insert into slack_messages as m (subject, channel, lease_token, lease_until) values ($1, $2, $3, $4)
     on conflict (subject) do update set lease_token = excluded.lease_token, lease_until = excluded.lease_until
      where m.lease_until is null or m.lease_until < $5
     returning subject, channel, ts, digest`,
    [c.subject, c.channel, c.token, c.until.toISOString(), c.now.toISOString()],
  );
  return r.rows[0];
}

/** Keeps the lease while the worker is still talking to Slack; false when it was lost. */
export async function renewMessage(db: Queryable, subject: string, token: string, until: Date): Promise<boolean> {
  const r = await db.query('update slack_messages set lease_until = $3 where subject = $1 and lease_token = $2', [subject, token, until.toISOString()]);
  return (r.rowCount ?? 0) > 0;
}

/** Records what was posted or updated, under the lease. */
export async function saveMessage(db: Queryable, subject: string, token: string, m: { channel: string; ts: string; digest: string }): Promise<void> {
  await db.query(
    'update slack_messages set channel = $3, ts = $4, digest = $5, updated_at = now() where subject = $1 and lease_token = $2',
    [subject, token, m.channel, m.ts, m.digest],
  );
}

export async function releaseMessage(db: Queryable, subject: string, token: string): Promise<void> {
  await db.query('update slack_messages set lease_token = null, lease_until = null where subject = $1 and lease_token = $2', [subject, token]);
}

export async function postedReplies(db: Queryable, subject: string): Promise<Set<string>> {
  return new Set((await db.query<{ key: string }>('select key from slack_replies where subject = $1', [subject])).rows.map((r) => r.key));
}

export async function saveReply(db: Queryable, subject: string, key: string, ts: string): Promise<void> {
  await db.query('insert into slack_replies (subject, key, ts) values ($1, $2, $3) on conflict do nothing', [subject, key, ts]);
}

/**
 * Remembers a signed request; false when it was seen before (a replay). Rows older than
 * `forgetBefore` (seconds) can no longer pass the timestamp check, and are purged on the way.
 */
export async function rememberRequest(db: Queryable, timestamp: number, signature: string, forgetBefore: number): Promise<boolean> {
  const r = await db.query(
    `with purged as (delete from slack_requests where timestamp < $3)
     insert into slack_requests (timestamp, signature) values ($1, $2) on conflict do nothing`,
    [timestamp, signature, forgetBefore],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Each service's channel: `SLACK_CHANNELS` is applied by the caller; this is the definition's own. */
export async function serviceChannels(db: Queryable, services: string[]): Promise<Map<string, string>> {
  if (services.length === 0) return new Map();
  const r = await db.query<{ name: string; channel: string }>(
    `select name, definition->>'channel' as channel from services where name = any($1::text[]) and definition->>'channel' is not null`, [services]);
  return new Map(r.rows.map((x) => [x.name, x.channel]));
}

/** The job (namespace/name) and failure message an approval's decision was about. */
export async function decisionOfApproval(db: Queryable, approvalId: number): Promise<{ job: string; message: string | null } | undefined> {
  const r = await db.query<{ job: string; message: string | null }>(
    `select d.job, d.input::jsonb->'error'->>'message' as message from approvals a join decisions d on d.id = a.decision_id where a.id = $1`, [approvalId]);
  return r.rows[0];
}

/** Where an approval or an execution belongs: its incident, else its approval. */
export async function ownerOfApproval(db: Queryable, approvalId: number): Promise<{ incident_id: number | null; approval_id: number } | undefined> {
  return (await db.query<{ incident_id: number | null; approval_id: number }>('select incident_id, id as approval_id from approvals where id = $1', [approvalId])).rows[0];
}

export async function ownerOfExecution(db: Queryable, executionId: number): Promise<{ incident_id: number | null; approval_id: number | null } | undefined> {
  return (await db.query<{ incident_id: number | null; approval_id: number | null }>('select incident_id, approval_id from executions where id = $1', [executionId])).rows[0];
}

/** The SLA risk of a service instance, as the forecast sweep keeps it. */
export interface RiskRow {
  service: string;
  instance_key: string;
  status: 'open' | 'cleared';
  p_breach: number;
  eta_p50: Date;
  eta_p90: Date;
  deadline: Date;
  summary: string;
  forecast: unknown;
  title: string | null;
}

export async function getRisk(db: Queryable, service: string, instance: string): Promise<RiskRow | undefined> {
  const r = await db.query<RiskRow>(
    `select r.service, r.instance_key, r.status, r.p_breach, r.eta_p50, r.eta_p90, r.deadline, r.summary, r.forecast, s.definition->>'title' as title
       from sla_risks r join services s on s.name = r.service where r.service = $1 and r.instance_key = $2`, [service, instance]);
  return r.rows[0];
}

/** The open risks of these services' current instances: their sentences say who is hurt and by when to act. */
export async function openRisks(db: Queryable, services: string[]): Promise<Map<string, string>> {
  if (services.length === 0) return new Map();
  const r = await db.query<{ service: string; summary: string }>(
    `select r.service, r.summary from sla_risks r join service_forecasts f on f.service = r.service and f.instance_key = r.instance_key
      where r.status = 'open' and r.service = any($1::text[])`, [services]);
  return new Map(r.rows.map((x) => [x.service, x.summary]));
}

/** Forgets the replies of a message that is gone: its successor's thread gets them again. */
export async function forgetReplies(db: Queryable, subject: string): Promise<void> {
  await db.query('delete from slack_replies where subject = $1', [subject]);
}

/** When the incident's first failure happened, for telling news from history. */
export async function incidentOpenedAt(db: Queryable, incidentId: number): Promise<Date | undefined> {
  return (await db.query<{ opened_at: Date }>('select opened_at from incidents where id = $1', [incidentId])).rows[0]?.opened_at;
}
