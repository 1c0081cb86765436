/**
 * A real OpenID Connect provider (panva's oidc-provider) for end-to-end tests: plain HTTP on
 * 127.0.0.1, authorization code flow with PKCE (S256), and a login page that is an ordinary HTML
 * form, so a browser signs in the way a person would. Consent is granted without asking.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';

/** A client registered with the provider; it may authenticate with HTTP Basic or in the body. */
export interface OidcTestClient { client_id: string; client_secret: string; redirect_uris: string[] }

/** A person who can sign in; their claims are released for the scopes `email`, `profile`, `groups`. */
export interface OidcTestUser {
  username: string;
  password: string;
  claims: { name?: string; email?: string; preferred_username?: string; groups?: string[] };
}

/** A running provider: its issuer URL (`http://127.0.0.1:PORT`) and how to stop it. */
export interface OidcTestProvider { issuer: string; close(): Promise<void> }

/** The parts of an oidc-provider interaction this module reads. */
interface Interaction {
  uid: string;
  prompt: { name: string; details: { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> } };
  params: { client_id?: unknown };
  session?: { accountId?: string };
  grantId?: string;
}
interface Grant {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Provider {
  callback(): Handler;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
  interactionFinished(req: IncomingMessage, res: ServerResponse, result: object): Promise<void>;
  Grant: { new (init: { accountId: string; clientId: string }): Grant; find(id: string): Promise<Grant | undefined> };
}
interface OidcProviderModule { Provider: new (issuer: string, configuration: object) => Provider }

/** Starts a provider on a free port; `close()` stops it and frees the port. */
export async function startOidcProvider(options: { clients: OidcTestClient[]; users: OidcTestUser[] }): Promise<OidcTestProvider> {
  // oidc-provider ships no types and @types/oidc-provider is not a dependency, so the module is
  // loaded by a non-literal specifier and described by the narrow interfaces above.
  const specifier: string = 'oidc-provider';
  const { Provider } = (await import(specifier)) as OidcProviderModule;
  const users = new Map(options.users.map((user) => [user.username, user]));
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, await configuration(options.clients, users));
  const oidc = provider.callback();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const uid = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? '/', issuer).pathname)?.[1];
    if (uid === undefined) return oidc(req, res);
    interact(provider, users, uid, req, res).catch((error: unknown) => {
      const name = error instanceof Error ? error.name : 'Error';
      send(res, name === 'SessionNotFound' ? 400 : 500, page('Sign-in failed', `<h1>Sign-in failed</h1><p>${escape(String(error))}</p>`));
    });
  });
  return {
    issuer,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}

async function configuration(clients: OidcTestClient[], users: Map<string, OidcTestUser>): Promise<object> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  return {
    clients: clients.map((client) => ({ ...client, grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' })),
    // A client registered for either secret method may use the other: oidc-provider treats them alike.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'], groups: ['groups'] },
    // The console reads who signed in from the ID token, not from userinfo.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' }] },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
    clientBasedCORS: (_ctx: unknown, origin: string, client: { redirectUris: string[] }) =>
      client.redirectUris.some((uri) => new URL(uri).origin === origin),
    findAccount: (_ctx: unknown, sub: string) => {
      const user = users.get(sub);
      return user && { accountId: sub, claims: () => ({ sub, ...user.claims }) };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // The stock pages load web fonts, which a machine without a network waits on.
    renderError: (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = page('Error', `<h1>Error</h1>${Object.entries(out).map(([k, v]) => `<p>${escape(k)}: ${escape(v)}</p>`).join('')}`);
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: { body: string }, form: string) => {
          ctx.body = page('Sign out', `<h1>Sign out?</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>`);
        },
        postLogoutSuccessSource: (ctx: { body: string }) => {
          ctx.body = page('Signed out', '<h1>You are signed out</h1>');
        },
      },
    },
  };
}

/** Shows the login form, checks a submitted password, and grants consent without asking. */
async function interact(provider: Provider, users: Map<string, OidcTestUser>, uid: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'consent') return provider.interactionFinished(req, res, { consent: { grantId: await grantAll(provider, details) } });
  if (details.prompt.name !== 'login') throw new Error(`unexpected prompt ${details.prompt.name}`);
  if (req.method !== 'POST') return send(res, 200, loginForm(uid));
  const form = new URLSearchParams(await readBody(req));
  const username = form.get('username') ?? '';
  const user = users.get(username);
  if (user === undefined || user.password !== form.get('password')) {
    return send(res, 200, loginForm(uid, username, 'Wrong username or password.'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.username } });
}

async function grantAll(provider: Provider, details: Interaction): Promise<string> {
  const accountId = details.session?.accountId;
  if (accountId === undefined) throw new Error('consent asked before anyone signed in');
  const grant = details.grantId !== undefined
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
  if (grant === undefined) throw new Error(`grant ${details.grantId} not found`);
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
  return grant.save();
}

function loginForm(uid: string, username = '', error?: string): string {
  return page('Sign in', `<h1>Sign in</h1>
${error === undefined ? '' : `<p role="alert" class="error">${escape(error)}</p>`}
<form method="post" action="/interaction/${escape(uid)}">
<p><label for="username">Username</label><input id="username" name="username" autocomplete="username" required value="${escape(username)}"></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<button type="submit">Sign in</button>
</form>`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · test identity provider</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:24rem;margin:2rem auto}
label{display:block;font-weight:600}input{font:inherit;width:100%;box-sizing:border-box;padding:.4rem;border:1px solid #555}
button{font:inherit;padding:.4rem 1rem;color:#fff;background:#1f4fbf;border:0}.error{color:#a00000}</style></head>
<body><main>${body}</main></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  req.setEncoding('utf8');
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 65_536) throw new Error('form too large');
  }
  return body;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}
