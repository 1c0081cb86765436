import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Scope, TokenGrant } from '../config.ts';
import { AppError } from '../errors.ts';

/** Who made a request, as far as its bearer token says. */
export type Principal =
  | { kind: 'token'; name: string; scopes: readonly Scope[] }
  /** No tokens are configured: the server is bound to loopback and trusts its callers. */
  | { kind: 'loopback' };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Checks bearer tokens in constant time against the configured grants. */
export function createAuthenticator(grants: readonly TokenGrant[]) {
  const hashed = grants.map((g) => ({ ...g, hash: digest(g.token) }));

  /** The grant a token stands for (the console's token sign-in asks this of a pasted token). */
  function principalOfToken(token: string): Principal {
    const presented = digest(token);
    const grant = hashed.find((g) => timingSafeEqual(g.hash, presented));
    if (!grant) throw new AppError('unauthorized', 'unknown or revoked token');
    return { kind: 'token', name: grant.name, scopes: grant.scopes };
  }

  function principalOf(req: FastifyRequest): Principal {
    if (hashed.length === 0) return { kind: 'loopback' };
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw new AppError('unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"');
    return principalOfToken(match[1]);
  }

  /** Throws unless the request carries a token with `scope` (or `admin`). */
  function require(req: FastifyRequest, scope: Scope): Principal {
    const p = principalOf(req);
    if (p.kind === 'token' && !p.scopes.includes(scope) && !p.scopes.includes('admin')) {
      throw new AppError('forbidden', `token "${p.name}" lacks the "${scope}" scope`);
    }
    return p;
  }

  return { principalOf, principalOfToken, require };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
