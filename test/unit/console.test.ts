import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { localPath } from '../../src/console/auth-routes.ts';
import { percent, span, until } from '../../src/console/format.ts';
import { html, jsonData, raw } from '../../src/console/html.ts';
import { personFromClaims } from '../../src/console/oidc.ts';
import { approverOf, can, type Person } from '../../src/console/person.ts';
import { lintFolder, lintRegion } from '../../src/console/pages/policy-lint.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';

describe('console HTML', () => {
  it('escapes every value it did not make itself', () => {
    const text = '<script>alert("x")</script> & \'quoted\'';
    assert.equal(html`<p title="${text}">${text}</p>`.text, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>');
  });

  it('keeps its own markup, joins lists and renders nothing for null, undefined and false', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    assert.equal(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text, '<ul><li>a&lt;</li><li>b</li></ul>0');
    assert.equal(html`${raw('<br>')}`.text, '<br>');
  });

  it('puts data for scripts where no string in it can close the element', () => {
    const out = jsonData('d', { s: '</script><script>alert(1)</script>' }).text;
    assert.doesNotMatch(out.slice(0, -'</script>'.length), /<\/script>/);
    assert.deepEqual(JSON.parse(out.replace(/^<script[^>]*>/, '').replace(/<\/script>$/, '')), { s: '</script><script>alert(1)</script>' });
  });
});

describe('console sign-in', () => {
  it('goes back only to paths of this server after signing in', () => {
    assert.equal(localPath('/approvals/7?x=1'), '/approvals/7?x=1');
    for (const bad of ['//evil.example/x', 'https://evil.example', '/\\evil.example', 'approvals', '/a b', undefined]) assert.equal(localPath(bad), '/', String(bad));
  });

  const oidc = { groupsClaim: 'groups', scopes: { sre: ['read', 'approve'] as const, '*': ['read'] as const } };
  const approvers = [{ name: 'alice', groups: ['data-oncall'], email: 'Alice@Example.com' }];

  it('names a person after the configured approver their email matches, with the provider\'s groups added', () => {
    const p = personFromClaims({ sub: 'x1', email: 'alice@example.com', preferred_username: 'ada', groups: ['sre'] }, { ...oidc, scopes: { sre: ['read', 'approve'], '*': ['read'] } }, approvers);
    assert.equal(p.name, 'alice');
    assert.deepEqual(p.scopes.sort(), ['approve', 'read']);
    assert.deepEqual(approverOf(p, approvers)?.groups.sort(), ['data-oncall', 'sre']);
  });

  it('grants what a person\'s groups grant, and makes an approver of someone whose groups allow approving', () => {
    const p = personFromClaims({ sub: 'x2', preferred_username: 'bob', groups: 'sre' }, { groupsClaim: 'groups', scopes: { sre: ['read', 'approve'] } }, []);
    assert.equal(p.name, 'bob');
    assert.ok(can(p, 'approve'));
    assert.deepEqual(approverOf(p, []), { name: 'bob', groups: ['sre'] });
  });

  it('refuses a person none of whose groups may use Medic', () => {
    assert.throws(() => personFromClaims({ sub: 'x3', groups: ['finance'] }, { groupsClaim: 'groups', scopes: { sre: ['read'] } }, []), /none of their groups/);
  });

  it('makes no approver of a reader or of a token that is not a configured approver', () => {
    const reader: Person = { name: 'carol', scopes: ['read'], groups: ['viewers'], email: null, login: 'oidc' };
    assert.equal(approverOf(reader, approvers), undefined);
    const token: Person = { name: 'ci-bot', scopes: ['approve'], groups: [], email: null, login: 'token' };
    assert.equal(approverOf(token, approvers), undefined);
    assert.ok(can({ ...token, scopes: ['admin'] }, 'approve'), 'admin holds every scope');
  });
});

describe('console formats', () => {
  it('says spans and moments as people say them', () => {
    assert.equal(span(45_000), '45 s');
    assert.equal(span(12 * 60_000), '12 min');
    assert.equal(span(185 * 60_000), '3 h 05 min');
    assert.equal(span(52 * 3_600_000), '2 d 4 h');
    const now = new Date('2026-12-03T04:00:00Z');
    assert.equal(until({ zone: 'UTC', now }, new Date('2026-12-03T04:12:00Z')), 'in 12 min');
    assert.equal(until({ zone: 'UTC', now }, new Date('2026-12-03T03:50:00Z')), '10 min ago');
    assert.equal(percent(0.004), '< 1 %');
    assert.equal(percent(0.72), '72 %');
  });
});

describe('the policies lint region', () => {
  it('says how to apply a folder that differs from the set loaded: a reload, or a new stored revision when one is active', async () => {
    const linted = await lintFolder(fileURLToPath(new URL('../../policies', import.meta.url)), createHashingEmbedder(64));
    assert.equal(linted.check.kind, 'ok');
    const f = { zone: 'UTC', now: new Date() };
    const region = (stored: boolean) => lintRegion(f, 'policies', { revision: 'aaaaaaaaaaaa', stored }, { kind: 'ready', value: linted, at: f.now, refreshing: false }).text;
    assert.match(region(false), /differs from the set loaded \(<code>aaaaaaaaaaaa<\/code>\): reload the policies \(<code>POST \/v1\/policies\/reload<\/code>\)/);
    assert.match(region(true), /differs from the set loaded \(<code>aaaaaaaaaaaa<\/code>\): a stored revision is active, so store the folder as a new one to apply it \(<code>medic policies apply policies --yes<\/code>\)/);
  });
});
