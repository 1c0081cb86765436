import type {} from '@fastify/cookie';
import { userInfo } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { Queryable } from '../db/pool.ts';
import type { Person } from './person.ts';
import { createSession, endSession } from './sql.ts';

/** The cookie that names a session; its value is only ever stored hashed. */
export const SESSION_COOKIE = 'medic_session';

/** Cookies travel over TLS only when people reach Medic over TLS. */
export function secureCookies(config: Pick<Config, 'publicUrl'>): boolean {
  return config.publicUrl.startsWith('https:');
}

/** Signs `person` in: a new session, its cookie on the reply. Returns the cookie's value. */
export async function signIn(db: Queryable, config: Pick<Config, 'publicUrl' | 'console'>, reply: FastifyReply, person: Person, now: Date): Promise<string> {
  const expires = new Date(now.getTime() + config.console.sessionMs);
  const value = await createSession(db, person, expires, now);
  void reply.setCookie(SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureCookies(config), expires });
  return value;
}

/** Signs the request's session out, here and in the store. */
export async function signOut(db: Queryable, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const value = req.cookies[SESSION_COOKIE];
  if (value) await endSession(db, value);
  void reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/**
 * The person on a loopback server without tokens: the API trusts its local callers, and the
 * console does too, as `MEDIC_USER` or the operating system's user (who may pick another name).
 */
export function localPerson(config: Pick<Config, 'user'>, name?: string): Person {
  return { name: name ?? config.user ?? userInfo().username, scopes: ['admin'], groups: [], email: null, login: 'loopback' };
}

