import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fuzzRoute, fuzzTargets } from '../support/fuzz.ts';
import { FUZZ_TOKEN, openFuzzApp } from '../support/fuzz-app.ts';

// Bounded and seeded here; `npm run fuzz` runs ten thousand inputs per route.
const RUNS = Number(process.env.MEDIC_FUZZ_RUNS ?? 5);
const SEED = Number(process.env.MEDIC_FUZZ_SEED ?? 20261204);

describe(`every route, fuzzed (${RUNS} inputs each, seed ${SEED})`, () => {
  let opened: Awaited<ReturnType<typeof openFuzzApp>>;
  before(async () => { opened = await openFuzzApp(); });
  after(() => opened.close());

  it('answers every input with a 2xx, a 3xx or a 4xx that says what is wrong, never a 5xx or a hang, and a refusal changes nothing stored', async () => {
    const targets = fuzzTargets(opened.app);
    assert.ok(targets.length > 80);
    const problems: string[] = [];
    let inputs = 0;
    for (const t of targets) {
      const r = await fuzzRoute(opened.app, opened.db.pool, t, FUZZ_TOKEN, { runs: RUNS, seed: SEED });
      inputs += r.inputs;
      problems.push(...r.problems.map((p) => `${r.route}: ${p}`));
    }
    assert.equal(inputs, targets.length * RUNS);
    assert.deepEqual(problems, []);
  });
});
