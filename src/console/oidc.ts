/**
 * Single sign-on through an OpenID Connect provider: the authorization code flow with PKCE,
 * through `openid-client`. The provider's metadata is discovered on the first sign-in (and again
 * after a failure), so a provider that is down does not stop Medic from starting.
 */
import type { Configuration } from 'openid-client';
import type { OidcConfig, Scope } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Approver } from '../approvals/schema.ts';
import type { Person } from './person.ts';

/** What the browser carries between leaving for the provider and coming back (in a signed cookie). */
export interface SsoAttempt {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to go once signed in: a path of the console. */
  next: string;
}

export interface Sso {
  /** Where to send the browser, and what to remember until it returns. */
  begin(redirectUri: string, next: string): Promise<{ url: string; attempt: SsoAttempt }>;
  /** The person the provider vouches for, from the URL it sent the browser back to. */
  finish(callbackUrl: URL, attempt: SsoAttempt): Promise<Person>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The provider's metadata, from its discovery document, with the client configured. */
export async function discoverProvider(config: OidcConfig): Promise<{ lib: typeof import('openid-client'); server: Configuration }> {
  const lib = await import('openid-client');
  const issuer = new URL(config.issuer);
  // A provider on this machine (a developer's, a test's) may speak plain http; any other must use TLS.
  const options = LOOPBACK.has(issuer.hostname) ? { execute: [lib.allowInsecureRequests] } : undefined;
  const auth = config.clientSecret ? lib.ClientSecretBasic(config.clientSecret) : lib.None();
  const server = await lib.discovery(issuer, config.clientId, config.clientSecret, auth, options);
  return { lib, server };
}

/** Single sign-on against `config`; approvers are matched to the provider's people by email or name. */
export function createSso(config: OidcConfig, approvers: readonly Approver[]): Sso {
  let discovered: ReturnType<typeof discoverProvider> | undefined;
  const connect = () => {
    discovered ??= discoverProvider(config).catch((err: unknown) => {
      discovered = undefined;
      throw new AppError('unavailable', `the sign-in provider ${config.issuer} does not answer: ${(err as Error).message}`, { cause: err });
    });
    return discovered;
  };

  return {
    async begin(redirectUri, next) {
      const { lib, server } = await connect();
      const attempt: SsoAttempt = { state: lib.randomState(), nonce: lib.randomNonce(), verifier: lib.randomPKCECodeVerifier(), next };
      const url = lib.buildAuthorizationUrl(server, {
        redirect_uri: redirectUri, scope: config.requestScopes, state: attempt.state, nonce: attempt.nonce,
        code_challenge: await lib.calculatePKCECodeChallenge(attempt.verifier), code_challenge_method: 'S256',
      });
      return { url: url.href, attempt };
    },
    async finish(callbackUrl, attempt) {
      const { lib, server } = await connect();
      let claims: Record<string, unknown>;
      try {
        const tokens = await lib.authorizationCodeGrant(server, callbackUrl, { pkceCodeVerifier: attempt.verifier, expectedState: attempt.state, expectedNonce: attempt.nonce, idTokenExpected: true });
        claims = { ...tokens.claims() };
        if (!(config.groupsClaim in claims) && typeof claims.sub === 'string') {
          claims = { ...(await lib.fetchUserInfo(server, tokens.access_token, claims.sub)), ...claims };
        }
      } catch (err) {
        throw new AppError('unauthorized', `sign-in failed: ${(err as Error).message}`, { cause: err });
      }
      return personFromClaims(claims, config, approvers);
    },
  };
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The person the provider's claims describe: their name, email, groups and the scopes their groups grant. */
export function personFromClaims(claims: Record<string, unknown>, config: Pick<OidcConfig, 'groupsClaim' | 'scopes'>, approvers: readonly Approver[]): Person {
  const listed = claims[config.groupsClaim];
  const groups = (Array.isArray(listed) ? listed : [listed]).filter((g): g is string => typeof g === 'string' && g.length > 0);
  const email = text(claims.email) ?? null;
  const username = text(claims.preferred_username);
  const known = approvers.find((a) => (email !== null && a.email?.toLowerCase() === email.toLowerCase()) || (username !== undefined && a.name === username));
  const name = known?.name ?? username ?? email ?? text(claims.sub);
  if (!name) throw new AppError('unauthorized', 'the sign-in provider named no one (no sub, email or preferred_username)');
  const scopes = new Set<Scope>([...(config.scopes['*'] ?? []), ...groups.flatMap((g) => config.scopes[g] ?? [])]);
  if (scopes.size === 0) throw new AppError('forbidden', `${name} signed in, but none of their groups (${groups.join(', ') || 'none'}) may use Medic (MEDIC_OIDC_SCOPES)`);
  return { name, email, groups, scopes: [...scopes], login: 'oidc' };
}
