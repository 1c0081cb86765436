/**
 * The console in Debian's Chromium against a real Medic (on PostgreSQL when DATABASE_URL is set),
 * people signing in through a real OpenID Connect provider: a pending approval appears live, a
 * quorum of two approves it through the same rules as the API, the execution reaches the fake
 * Airflow and the page shows it; refusals (no reason, stale page, no scope, no CSRF token) hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { modifyApproval } from '../../src/approvals/vote.ts';
import { createFakeAirflow, type FakeAirflow } from '../../src/fakes/airflow.ts';
import { sweep } from '../../src/sla/risks.ts';
import { browserSuiteOptions, checkAccessibility, launchBrowser, screenshot } from '../support/browser.ts';
import { airflowConnection, airflowTry, clears, failureInput, GATED_POLICIES, healConfig, ingestAndSettle, minutesAgo, policiesFrom } from '../support/heal.ts';
import { startOidcProvider, type OidcTestProvider } from '../support/oidc.ts';
import { freePort } from '../support/servers.ts';
import { testStores, type TestStore } from '../support/stores.ts';
import { workingAppForSuite } from '../support/world.ts';

const MESSAGE = 'psycopg2.OperationalError: could not connect to server: Connection refused <script>alert(1)</script>';
const PEOPLE = [
  { username: 'alice', password: 'alice-pw', claims: { preferred_username: 'alice', email: 'alice@example.com', name: 'Alice', groups: ['data-oncall'] } },
  { username: 'bob', password: 'bob-pw', claims: { preferred_username: 'bob', email: 'bob@example.com', name: 'Bob', groups: ['data-oncall'] } },
  { username: 'carol', password: 'carol-pw', claims: { preferred_username: 'carol', email: 'carol@example.com', name: 'Carol', groups: ['viewers'] } },
];
type Who = 'alice' | 'bob' | 'carol';

/** PostgreSQL when DATABASE_URL names a server, else the embedded store. */
const store: Pick<TestStore, 'open'> = testStores().find((s) => s.name === 'postgres') ?? testStores()[0] ?? { open: () => Promise.reject(new Error('no test store')) };

describe('the console in a real browser', browserSuiteOptions(), () => {
  let fake: FakeAirflow;
  let oidc: OidcTestProvider;
  let browser: Browser;
  let port: number;
  let base: string;
  const contexts: BrowserContext[] = [];
  const violations: Record<string, number> = {};

  // Registered before the app's hooks, so it runs before them: the pages close before the app does.
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    if (Object.keys(violations).length) console.log(`accessibility (moderate and minor findings per page): ${JSON.stringify(violations)}`);
  });
  const suite = workingAppForSuite(store, async () => {
    fake = await createFakeAirflow({ api: 'v2' });
    fake.state.addDag('finance_close', { extract: ['load_dw'], load_dw: ['publish_reports'], publish_reports: [] });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    oidc = await startOidcProvider({ clients: [{ client_id: 'medic', client_secret: 'medic-console-secret', redirect_uris: [`${base}/auth/callback`] }], users: PEOPLE });
    const config = healConfig([airflowConnection(fake)], {
      MEDIC_ADMIN_TOKEN: 'admin-token-0123456789abcdef', MEDIC_PUBLIC_URL: base,
      MEDIC_OIDC_ISSUER: oidc.issuer, MEDIC_OIDC_CLIENT_ID: 'medic', MEDIC_OIDC_CLIENT_SECRET: 'medic-console-secret',
      MEDIC_OIDC_SCOPES: JSON.stringify({ 'data-oncall': ['read', 'approve'], viewers: ['read'] }),
    });
    return { deps: { config, policies: await policiesFrom(GATED_POLICIES) }, close: async () => { await oidc.close(); await fake.close(); } };
  });
  before(async () => {
    await suite.app.listen({ host: '127.0.0.1', port });
    browser = await launchBrowser();
  });

  const blocked: string[] = [];
  /** A browser of its own for `who`, signed in through the provider's login form. */
  async function signIn(who: Who, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    const page = await context.newPage();
    // The content security policy holds only if the pages never ask for what it forbids.
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) blocked.push(`${page.url()}: ${m.text()}`); });
    page.on('pageerror', (e) => blocked.push(`${page.url()}: ${e.message}`));
    await page.goto(`${base}/`);
    assert.match(page.url(), /\/login\?next=%2F$/, 'a person who is not signed in is sent to sign in');
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.getByLabel('Username').fill(who);
    await page.getByLabel('Password').fill(`${who}-pw`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    return page;
  }
  async function audited(page: Page, name: string): Promise<void> {
    const found = await checkAccessibility(page, name);
    violations[name] = found.length;
    await screenshot(page, name);
  }
  /** The form's CSRF token on the page (the sign-out form has one on every page). */
  const tokenOn = (page: Page) => page.locator('input[name="_csrf"]').first().inputValue();

  /** A failed try of publish_reports whose callback asks to decide: a rerun needing two of the data on-call. */
  async function pendingRerun(run: string): Promise<number> {
    fake.state.addTaskInstance({ dag_id: 'finance_close', dag_run_id: run, task_id: 'publish_reports', state: 'failed', try_number: 1 });
    await ingestAndSettle(suite.deps, 'openlineage', 'airflow-prod', airflowTry({ dag: 'finance_close', run, task: 'publish_reports', try: 1, state: 'failed', start: minutesAgo(10), end: minutesAgo(5), message: MESSAGE }));
    const res = await suite.app.inject({ method: 'POST', url: '/v1/decide', headers: { authorization: 'Bearer admin-token-0123456789abcdef' }, payload: failureInput('airflow-prod/finance_close.publish_reports', run, MESSAGE) });
    assert.equal(res.statusCode, 200, res.body);
    const id = (res.json() as { approval_id: number | null }).approval_id;
    assert.ok(id, 'the rerun waits for approval');
    return id;
  }

  it('signs people in through single sign-on, shows a new approval live, and approves it with a quorum of two', async () => {
    const alice = await signIn('alice');
    await assert.doesNotReject(alice.getByRole('heading', { name: 'Now', level: 1 }).waitFor());
    await alice.locator('#approvals').getByText('Nothing waits for a vote.').waitFor();
    const id = await pendingRerun('r1');
    // No reload: the server tells the page over server-sent events, and the region fetches itself again.
    await alice.locator('#approvals').getByRole('link', { name: `#${id}` }).waitFor({ timeout: 15_000 });
    await audited(alice, 'now');

    await alice.locator('#approvals').getByRole('link', { name: `#${id}` }).click();
    await alice.waitForURL(`${base}/approvals/${id}`);
    await assert.doesNotReject(alice.getByText(/<script>alert\(/).first().waitFor(), 'failure text is shown as text');
    await audited(alice, 'approval');

    // The browser asks for a reason; a request without one is refused by the server too.
    await alice.locator('#reject-reason').evaluate((el) => el.removeAttribute('required'));
    await alice.getByRole('button', { name: 'Reject' }).click();
    await alice.getByText('a reason is required').waitFor();
    assert.equal((await suite.deps.pool.query('select status from approvals where id = $1', [id])).rows[0]?.status, 'pending');

    await alice.getByRole('button', { name: /^Approve / }).click();
    await alice.getByText('Your vote is recorded; more approvals are needed.').waitFor();
    assert.equal(clears(fake).length, 0, 'one approval of two runs nothing');

    const bob = await signIn('bob');
    await bob.goto(`${base}/approvals/${id}`);
    await bob.getByText('1 of 2 approvals').waitFor();
    await bob.getByRole('button', { name: /^Approve / }).click();
    await bob.getByText('Approved: the action is carried out.').waitFor();
    await suite.deps.queue.drain(20_000);
    assert.equal(clears(fake).length, 1, 'the rerun reaches Airflow once');
    await bob.reload();
    await bob.getByText(/Execution #\d+: executed/).waitFor();
    // Alice's page follows without a reload.
    await alice.locator('#decision').getByText('approved', { exact: true }).waitFor({ timeout: 15_000 });

    const votes = (await suite.app.inject({ url: `/v1/audit?approval=${id}`, headers: { authorization: 'Bearer admin-token-0123456789abcdef' } })).json().entries as { kind: string; actor: string; detail: { via?: string; verdict?: string } }[];
    const cast = votes.filter((e) => e.kind === 'approval.vote' && e.detail.verdict === 'approve');
    assert.deepEqual(cast.map((e) => [e.actor, e.detail.via]), [['alice', 'web'], ['bob', 'web']]);
  });

  it('refuses a vote from a page that shows an older version of the action, and shows the new one', async () => {
    const id = await pendingRerun('r2');
    // Without JavaScript the page does not follow changes: it is the stale page a person may still have open.
    const bob = await signIn('bob', { javaScriptEnabled: false });
    await bob.goto(`${base}/approvals/${id}`);
    const modified = await modifyApproval(suite.deps, id, { name: 'alice', via: 'api' }, { delay_s: 120 }, 'wait for the warehouse');
    assert.equal(modified.kind, 'modified');
    await bob.getByRole('button', { name: /^Approve / }).click();
    await bob.getByText(/the action changed to version 2/).waitFor();
    await bob.getByText('Parameters (version 2)').waitFor();
    assert.equal((await suite.deps.pool.query('select count(*)::int as n from approval_votes where approval_id = $1', [id])).rows[0]?.n, 0);
  });

  it('shows no buttons to a reader, answers a forged vote with 403, and refuses a form without its CSRF token', async () => {
    const id = await pendingRerun('r3');
    const carol = await signIn('carol');
    await carol.goto(`${base}/approvals/${id}`);
    await carol.getByText('You can read this request; voting needs the approve scope.').waitFor();
    assert.equal(await carol.getByRole('button', { name: /^Approve / }).count(), 0);
    const forged = await carol.request.post(`${base}/approvals/${id}/approve`, { form: { _csrf: await tokenOn(carol), version: '1' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);

    const bob = await signIn('bob');
    await bob.goto(`${base}/approvals/${id}`);
    const bare = await bob.request.post(`${base}/approvals/${id}/approve`, { form: { version: '1' }, maxRedirects: 0 });
    assert.equal(bare.status(), 403);
    const other = await bob.request.post(`${base}/approvals/${id}/approve`, { form: { _csrf: await tokenOn(carol), version: '1' }, maxRedirects: 0 });
    assert.equal(other.status(), 403, "another session's token does not count");
    assert.equal((await suite.deps.pool.query('select count(*)::int as n from approval_votes where approval_id = $1', [id])).rows[0]?.n, 0);
  });

  it('passes an accessibility check on every page, light and dark, and asks for nothing its security policy forbids', async () => {
    const admin = { authorization: 'Bearer admin-token-0123456789abcdef' };
    const service = 'name: finance-publish\ntitle: Finance reports\njobs:\n  - job: airflow-prod/finance_close.publish_reports\ndeadline: {kind: duration, minutes: 60}\n';
    const applied = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: service, headers: { ...admin, 'content-type': 'application/yaml' } });
    assert.equal(applied.statusCode, 200, applied.body);
    await sweep(suite.deps.pool, new Date(), 1_000);
    const a = (await suite.deps.pool.query<{ id: number; incident_id: number; decision_id: string }>('select id, incident_id, decision_id from approvals order by id limit 1')).rows[0];
    assert.ok(a, 'the earlier tests asked for approvals');
    const alice = await signIn('alice');
    const pages: [string, string][] = [
      ['approvals', '/approvals?status=all'], ['incidents', '/incidents?status=all'], ['incident', `/incidents/${a.incident_id}`],
      ['sla', '/sla'], ['service', '/services/finance-publish'], ['decisions', '/decisions'], ['decision', `/decisions/${a.decision_id}`],
      ['audit', `/audit?approval=${a.id}`], ['policies', '/policies'],
      ['lineage', '/services/finance-publish/lineage'], ['incident-lineage', `/incidents/${a.incident_id}/lineage`],
    ];
    for (const [name, path] of pages) {
      const res = await alice.goto(`${base}${path}`);
      assert.equal(res?.status(), 200, `${path} answers`);
      await audited(alice, name);
    }
    await alice.emulateMedia({ colorScheme: 'dark' });
    for (const [name, path] of [['now-dark', '/'], ['approval-dark', `/approvals/${a.id}`], ['service-dark', '/services/finance-publish'], ['lineage-dark', '/services/finance-publish/lineage']] as const) {
      await alice.goto(`${base}${path}`);
      await audited(alice, name);
    }
    assert.deepEqual(blocked, []);
  });

  it('signs out, after which the session no longer opens a page', async () => {
    const alice = await signIn('alice');
    await alice.getByRole('button', { name: 'Sign out' }).click();
    await alice.waitForURL(/\/login$/);
    await audited(alice, 'login');
    await alice.goto(`${base}/`);
    assert.match(alice.url(), /\/login\?next=/);
  });
});
