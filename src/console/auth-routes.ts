import type {} from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import type { Assets } from './assets.ts';
import { html } from './html.ts';
import { barePage, notice } from './layout.ts';
import type { SsoAttempt, Sso } from './oidc.ts';
import { localPerson, secureCookies, signIn, signOut } from './session.ts';

const SSO_COOKIE = 'medic_sso';
/** A sign-in through the provider that takes longer than this starts again. */
const SSO_WINDOW_S = 600;

/** Only a path of this server: never an address elsewhere (`//host`, `https:`), which would make sign-in an open redirect. */
export function localPath(next: string | undefined): string {
  return next && /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/';
}

const SignInBody = z.strictObject({
  _csrf: z.string(),
  token: z.string().max(1_000).optional(),
  name: z.string().trim().min(1).max(200).optional(),
  next: z.string().max(2_000).optional(),
});

/** Sign-in (single sign-on, an API token, or a name on a loopback server without tokens) and sign-out. */
export function authRoutes(root: FastifyInstance, deps: Deps, auth: Authenticator, assets: Assets, sso: Sso | null): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const callback = `${deps.config.publicUrl}/auth/callback`;

  const form = (reply: FastifyReply, next: string, error?: string) => {
    const csrf = reply.generateCsrf();
    const local = deps.config.loopbackOnly;
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(barePage(assets, 'Sign in to Medic', html`
${error ? notice('error', error) : ''}
${sso ? html`<p><a class="button primary" href="/auth/sso?next=${encodeURIComponent(next)}">Sign in with single sign-on</a></p>` : ''}
<form method="post" action="/login" class="signin">
  <input type="hidden" name="_csrf" value="${csrf}">
  <input type="hidden" name="next" value="${next}">
  ${local
    ? html`<p>This server has no API tokens: it listens on loopback only and trusts the people on this machine. Say who you are; votes carry this name.</p>
      <label for="name">Your name</label><input id="name" name="name" autocomplete="username" required value="${localPerson(deps.config).name}">`
    : html`<label for="token">API token</label><input id="token" name="token" type="password" autocomplete="current-password" required>
      <p class="hint">A token of <code>MEDIC_TOKENS</code> or <code>MEDIC_ADMIN_TOKEN</code>; you act with its name and scopes.</p>`}
  <button type="submit">Sign in</button>
</form>`).text);
  };

  app.get('/login', { schema: { hide: true, querystring: z.object({ next: z.string().max(2_000).optional() }) } },
    async (req, reply) => form(reply, localPath(req.query.next)));

  app.post('/login', { schema: { hide: true, body: SignInBody } }, async (req, reply) => {
    const next = localPath(req.body.next);
    let person;
    if (deps.config.loopbackOnly) {
      if (!req.body.name) return form(reply.status(400), next, 'Say who you are.');
      person = localPerson(deps.config, req.body.name);
    } else {
      if (!req.body.token) return form(reply.status(400), next, 'Paste an API token.');
      const principal = (() => {
        try {
          return auth.principalOfToken(req.body.token.trim());
        } catch {
          return undefined;
        }
      })();
      if (principal?.kind !== 'token') return form(reply.status(401), next, 'That token is unknown or revoked.');
      person = { name: principal.name, scopes: [...principal.scopes], groups: [], email: null, login: 'token' as const };
    }
    await signIn(deps.pool, deps.config, reply, person, deps.clock());
    return reply.redirect(next, 303);
  });

  app.get('/auth/sso', { schema: { hide: true, querystring: z.object({ next: z.string().max(2_000).optional() }) } }, async (req, reply) => {
    if (!sso) throw new AppError('not_found', 'single sign-on is not configured (MEDIC_OIDC_ISSUER)');
    const { url, attempt } = await sso.begin(callback, localPath(req.query.next));
    void reply.setCookie(SSO_COOKIE, JSON.stringify(attempt), { path: '/auth', httpOnly: true, sameSite: 'lax', secure: secureCookies(deps.config), signed: true, maxAge: SSO_WINDOW_S });
    return reply.redirect(url, 303);
  });

  app.get('/auth/callback', { schema: { hide: true } }, async (req, reply) => {
    if (!sso) throw new AppError('not_found', 'single sign-on is not configured (MEDIC_OIDC_ISSUER)');
    const attempt = ssoAttempt(req);
    void reply.clearCookie(SSO_COOKIE, { path: '/auth' });
    if (!attempt) return form(reply.status(400), '/', 'The sign-in took too long or was started elsewhere; start again.');
    const person = await sso.finish(new URL(req.url, callback), attempt).catch((err: unknown) => err as AppError);
    if (person instanceof Error) return form(reply.status(person instanceof AppError && person.code === 'forbidden' ? 403 : 401), attempt.next, person.message);
    await signIn(deps.pool, deps.config, reply, person, deps.clock());
    return reply.redirect(attempt.next, 303);
  });

  app.post('/logout', { schema: { hide: true } }, async (req, reply) => {
    await signOut(deps.pool, req, reply);
    return reply.redirect('/login', 303);
  });
}

function ssoAttempt(req: FastifyRequest): SsoAttempt | undefined {
  const raw = req.cookies[SSO_COOKIE];
  if (!raw) return undefined;
  const unsigned = req.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return undefined;
  try {
    const parsed = z.object({ state: z.string(), nonce: z.string(), verifier: z.string(), next: z.string() }).safeParse(JSON.parse(unsigned.value));
    return parsed.success ? { ...parsed.data, next: localPath(parsed.data.next) } : undefined;
  } catch {
    return undefined;
  }
}
