import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { appForSuite } from '../support/app.ts';
import { testStores } from '../support/stores.ts';

const example = readFileSync(new URL('../../examples/services/finance.yaml', import.meta.url), 'utf8');

for (const store of testStores()) {
  describe(`services (${store.name})`, () => {
    const suite = appForSuite(store);

    it('applies a YAML file of services once, and again without a new revision', async () => {
      const first = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: example, headers: { 'content-type': 'application/yaml' } });
      assert.equal(first.statusCode, 200, first.body);
      assert.deepEqual(first.json().applied.map((a: { name: string; revision: number; changed: boolean }) => [a.name, a.revision, a.changed]),
        [['finance-close', 1, true], ['account-opening', 1, true], ['finance-dashboard', 1, true], ['ar-aging', 1, true]]);
      const again = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: example, headers: { 'content-type': 'application/yaml' } });
      assert.deepEqual(again.json().applied.map((a: { changed: boolean }) => a.changed), [false, false, false, false]);
      const one = await suite.app.inject('/v1/services/finance-close');
      assert.equal(one.json().definition.deadline.timeZone, 'Europe/Berlin');
      assert.equal((await suite.app.inject('/v1/services')).json().services.length, 4);
      assert.equal((await suite.app.inject('/v1/services/nope')).statusCode, 404);
    });

    it('bumps the revision when a definition changes', async () => {
      const changed = example.replace('at: "06:00"', 'at: "06:30"');
      const res = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: changed, headers: { 'content-type': 'application/yaml' } });
      assert.deepEqual(res.json().applied[0], { name: 'finance-close', revision: 2, changed: true });
    });

    it('refuses a malformed file with the line and field at fault, storing nothing of it', async () => {
      const bad = 'name: payroll\njobs:\n  - job: ctm/PAY_CALC\n    after: [ctm/PAY_EXTRACT]\ndeadline: {kind: duration, minutes: 30}\n';
      const res = await suite.app.inject({ method: 'POST', url: '/v1/services', payload: bad, headers: { 'content-type': 'application/yaml' } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /^line 4: jobs\.0\.after\.0: "ctm\/PAY_EXTRACT" is not a job of this service/);
      assert.equal((await suite.app.inject('/v1/services/payroll')).statusCode, 404);
    });
  });
}
