import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserSuiteOptions, checkAccessibility, launchBrowser, screenshot } from '../support/browser.ts';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const ada = {
  username: 'ada',
  password: 'correct horse battery staple',
  claims: { name: 'Ada Lovelace', email: 'ada@example.test', preferred_username: 'ada', groups: ['medic-operators', 'finance'] },
};

/** Stands in for the console's OIDC callback route: it only has to be somewhere to land. */
async function startCallbackServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html lang="en"><head><title>Callback</title></head><body><main><h1>Signed in</h1></main></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/auth/callback` };
}

describe('browser test support', browserSuiteOptions(), () => {
  let callback: { server: Server; url: string };
  let provider: OidcTestProvider;
  let config: client.Configuration;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    callback = await startCallbackServer();
    provider = await startOidcProvider({
      clients: [{ client_id: 'medic-console', client_secret: 'a-test-secret', redirect_uris: [callback.url] }],
      users: [ada],
    });
    config = await client.discovery(new URL(provider.issuer), 'medic-console', undefined, client.ClientSecretBasic('a-test-secret'), {
      execute: [client.allowInsecureRequests],
    });
    browser = await launchBrowser();
    // A page of a context of its own: AxeBuilder opens a second page in the same context.
    context = await browser.newContext();
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await provider?.close();
    callback?.server.close();
    callback?.server.closeAllConnections();
  });

  it('signs a user in through the login form and returns their groups in the ID token', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.url,
      scope: 'openid email profile groups',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });

    await page.goto(authorizationUrl.href);
    await page.getByLabel('Username').fill(ada.username);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByRole('alert').textContent(), 'Wrong username or password.');

    await page.getByLabel('Password').fill(ada.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${callback.url}?`));
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('state'), state);
    assert.ok(landed.searchParams.get('code'));

    const tokens = await client.authorizationCodeGrant(config, landed, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims();
    assert.equal(claims?.sub, 'ada');
    assert.equal(claims?.email, 'ada@example.test');
    assert.deepEqual(claims?.groups, ['medic-operators', 'finance']);
    assert.equal(claims?.name, 'Ada Lovelace');
    assert.equal(claims?.preferred_username, 'ada');
  });

  it('serves a login form with no serious accessibility violations', async () => {
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: callback.url,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: client.randomState(),
    });
    // A fresh context: the first test left a signed-in session that would skip the form.
    const fresh = await browser.newContext();
    try {
      const loginPage = await fresh.newPage();
      await loginPage.goto(authorizationUrl.href);
      await loginPage.getByRole('button', { name: 'Sign in' }).waitFor();
      const violations = await checkAccessibility(loginPage, 'the login form');
      assert.ok(Array.isArray(violations));

      const path = await screenshot(loginPage, 'oidc-login-form');
      assert.match(path, /test-artifacts\/console\/oidc-login-form\.png$/);
      assert.deepEqual(readFileSync(path).subarray(0, 8), PNG_SIGNATURE);
    } finally {
      await fresh.close();
    }
  });
});
