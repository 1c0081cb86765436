import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { isAppError } from '../errors.ts';
import type { Authenticator } from '../http/auth.ts';
import { STATUS } from '../http/error-handler.ts';
import { loadAssets, type Assets } from './assets.ts';
import { authRoutes } from './auth-routes.ts';
import { html } from './html.ts';
import { personOf, sendHtml, type ConsoleKit } from './kit.ts';
import { barePage, notice, page } from './layout.ts';
import { createChangeFeed, eventsRoute } from './live.ts';
import { createSso } from './oidc.ts';
import { can } from './person.ts';
import { localPerson, secureCookies, SESSION_COOKIE, signIn } from './session.ts';
import { lazySigner } from './signer.ts';
import { sessionPerson } from './sql.ts';
import { consolePages } from './pages/index.ts';

const AssetParams = z.object({ hash: z.string().max(64), name: z.string().max(100) });

/** Routes anyone may reach: signing in, and the files every page loads. */
const PUBLIC = ['/login', '/auth/', '/assets/', '/favicon.ico'];

export interface ConsoleOptions {
  /** Medic's own scripts and styles (`console/` beside `src/`). */
  assetsDir: string;
  /** How often each process asks the store what changed, for live pages. @defaultValue 2 000 ms */
  liveIntervalMs?: number;
}

/**
 * The web console, served under `/` beside the API: server-rendered pages that work without
 * JavaScript, live regions through htmx and server-sent events, sign-in by OpenID Connect or an
 * API token, sessions in the store, CSRF tokens on every form and a strict content security policy.
 */
export function consoleRoutes(deps: Deps, auth: Authenticator, options: ConsoleOptions): FastifyPluginAsync {
  return async (app) => {
    const https = secureCookies(deps.config);
    const signer = lazySigner(deps.pool, 'console-cookies');
    app.addHook('onRequest', async () => signer.ready());
    await app.register(cookie, { secret: signer });
    await app.register(formbody, { bodyLimit: 64 * 1024 });
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"],
          fontSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"],
          ...(https ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: https ? { maxAge: 31_536_000 } : false,
    });
    await app.register(csrf, {
      cookieKey: 'medic_csrf',
      // Double submit: the secret in a signed cookie no other site can set, the token in the form.
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: https, signed: true },
    });
    // Every form post carries its token, checked here once and before its body is validated: a post
    // without one is refused (403) whatever else it holds, and no route can forget the check.
    app.addHook('preValidation', (req, reply, done) => {
      if (req.method === 'GET' || req.method === 'HEAD') return done();
      app.csrfProtection(req, reply, done);
    });
    app.decorateRequest('consolePerson', null);

    const assets = loadAssets(options.assetsDir);
    const formats = () => ({ zone: deps.config.timeZone, now: deps.clock() });
    const kit: ConsoleKit = {
      deps, assets, formats,
      view: (req, reply) => ({ person: personOf(req), csrf: reply.generateCsrf(), assets, formats: formats() }),
    };
    app.addHook('onRequest', async (req, reply) => guard(deps, assets, req, reply));
    app.setErrorHandler((err: FastifyError, req, reply) => errorPage(kit, err, req, reply));

    app.withTypeProvider<ZodTypeProvider>().get('/assets/:hash/:name', { schema: { hide: true, params: AssetParams } }, async (req, reply) => {
      const asset = assets.get(req.params.name);
      if (!asset) return reply.status(404).type('text/plain').send('no such asset');
      void reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'accept-encoding');
      return /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') ? reply.header('content-encoding', 'gzip').send(asset.gzip) : reply.send(asset.body);
    });
    app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) => reply.status(204).send());

    const sso = deps.config.console.oidc ? createSso(deps.config.console.oidc, deps.config.approvers) : null;
    authRoutes(app, deps, auth, assets, sso);

    const feed = createChangeFeed(deps.pool, deps.log, options.liveIntervalMs);
    app.addHook('onClose', async () => feed.close());
    eventsRoute(app, feed);
    consolePages(app, kit);
  };
}

/** Lets a request through with its person, or sends it to sign in. */
async function guard(deps: Deps, assets: Assets, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const route = req.routeOptions.url ?? req.url;
  if (PUBLIC.some((p) => route === p || (p.endsWith('/') && route.startsWith(p)))) return undefined;
  const cookieValue = req.cookies[SESSION_COOKIE];
  let person = cookieValue ? await sessionPerson(deps.pool, cookieValue, deps.clock()) : undefined;
  if (!person && deps.config.loopbackOnly) {
    // A loopback server without tokens trusts its local callers, as the API does.
    person = localPerson(deps.config);
    req.cookies[SESSION_COOKIE] = await signIn(deps.pool, deps.config, reply, person, deps.clock());
  }
  if (!person) {
    if (req.method === 'GET' && !req.headers['hx-request'] && route !== '/events') {
      return reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
    }
    return reply.status(401).header('hx-redirect', '/login').type('text/html; charset=utf-8')
      .send(barePage(assets, 'Sign in first', html`<p><a href="/login">Sign in</a> to use Medic.</p>`).text);
  }
  if (!can(person, 'read')) {
    return reply.status(403).type('text/html; charset=utf-8').send(barePage(assets, 'Not allowed', html`<p>${person.name} may not read Medic's data (no read scope).</p>`).text);
  }
  req.consolePerson = person;
  return undefined;
}

/** Errors as pages: what went wrong, in words, with the status the API would answer. */
function errorPage(kit: ConsoleKit, err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let status: number;
  let message: string;
  if (isAppError(err)) {
    status = STATUS[err.code];
    message = err.message;
  } else if (hasZodFastifySchemaValidationErrors(err)) {
    status = 400;
    message = err.validation.map((v) => `${err.validationContext ?? 'request'}${v.instancePath.replaceAll('/', '.')}: ${v.message ?? 'is invalid'}`).join('; ');
  } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode;
    message = err.code?.startsWith('FST_CSRF') ? 'This form is out of date or did not come from Medic: reload the page and try again.' : err.message;
  } else {
    req.log.error({ err }, 'console request failed');
    status = 500;
    message = 'Something broke on Medic\'s side; the server log has the details.';
  }
  const body = notice('error', message);
  if (req.headers['hx-request'] || !req.consolePerson) return sendHtml(reply, req.consolePerson ? body : barePage(kit.assets, 'Medic', body), status);
  return sendHtml(reply, page(kit.view(req, reply), { title: status === 404 ? 'Not found' : 'Could not do that', section: 'now', body }), status);
}
