import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import type { Assets } from './assets.ts';
import type { Formats } from './format.ts';
import type { Html } from './html.ts';
import type { View } from './layout.ts';
import type { Person } from './person.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in to the console; set by its guard on every console route but sign-in. */
    consolePerson: Person | null;
  }
}

/** What the console's pages are built from: Medic's dependencies and the console's own parts. */
export interface ConsoleKit {
  deps: Deps;
  assets: Assets;
  /** The request's person, with a fresh token for its forms. */
  view(req: FastifyRequest, reply: FastifyReply): View;
  /** How times read now: the configured zone and the clock (fragments need no more of a view). */
  formats(): Formats;
}

/** The person of a console request; the guard has made sure there is one. */
export function personOf(req: FastifyRequest): Person {
  if (!req.consolePerson) throw new Error('console route reached without a signed-in person');
  return req.consolePerson;
}

/** Sends a page or a fragment: HTML, never cached (it is one person's view of now). */
export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body.text);
}
