import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.ts';
import { Person } from './person.ts';

const hash = (cookie: string) => createHash('sha256').update(cookie).digest();

/** Starts a session for `person` until `expiresAt`; returns the cookie value, which only the browser keeps. */
export async function createSession(db: Queryable, person: Person, expiresAt: Date, now: Date): Promise<string> {
  const cookie = randomBytes(32).toString('base64url');
  // Sessions that ran out are removed as new ones begin: the table stays the size of its users.
  await db.query('delete from console_sessions where expires_at < $1', [now.toISOString()]);
  await db.query('insert into console_sessions (id_hash, person, expires_at) values ($1, $2, $3)', [hash(cookie), JSON.stringify(person), expiresAt.toISOString()]);
  return cookie;
}

/** The person of a live session; undefined when the cookie is unknown, ended or expired. */
export async function sessionPerson(db: Queryable, cookie: string, now: Date): Promise<Person | undefined> {
  const r = await db.query<{ person: unknown }>('select person from console_sessions where id_hash = $1 and expires_at > $2', [hash(cookie), now.toISOString()]);
  const row = r.rows[0];
  if (!row) return undefined;
  const parsed = Person.safeParse(row.person);
  return parsed.success ? parsed.data : undefined;
}

/** Ends a session (signing out). */
export async function endSession(db: Queryable, cookie: string): Promise<void> {
  await db.query('delete from console_sessions where id_hash = $1', [hash(cookie)]);
}

/** A secret shared by every replica, made once by whichever asks first. */
export async function sharedKey(db: Queryable, name: string): Promise<Buffer> {
  await db.query('insert into console_keys (name, secret) values ($1, $2) on conflict (name) do nothing', [name, randomBytes(32)]);
  const r = await db.query<{ secret: Buffer }>('select secret from console_keys where name = $1', [name]);
  const secret = r.rows[0]?.secret;
  if (!secret) throw new Error(`console key ${name} could not be read`);
  return secret;
}
