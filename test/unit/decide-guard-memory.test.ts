import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryLedger } from '../../src/decide/budget-ledger.ts';
import { createGuardMemory } from '../../src/decide/guard-memory.ts';
import { createAdmission } from '../../src/decide/overload.ts';
import { ttlCache } from '../../src/decide/cache.ts';

const MIN = 60_000;
const t0 = Date.parse('2026-12-01T03:00:00Z');

describe('the guardrails counters in memory', () => {
  it('counts each run attempt once across ingested failures and decisions, newest first, up to the cap', () => {
    const m = createGuardMemory();
    m.addFailure({ signatureId: 7, fingerprint: null, key: 'a/x|r1|1', at: t0 - 5 * MIN });
    // The same attempt asked about: one failure, at its latest time.
    m.addFailure({ signatureId: null, fingerprint: 'fp7', key: 'a/x|r1|1', at: t0 - 4 * MIN });
    m.addFailure({ signatureId: null, fingerprint: 'fp7', key: 'a/y|r2|1', at: t0 - 1 * MIN });
    m.addFailure({ signatureId: 7, fingerprint: null, key: 'a/z|r3|1', at: t0 - 30 * MIN });
    m.addFailure({ signatureId: 8, fingerprint: 'fp8', key: 'b/q|r|1', at: t0 });
    assert.deepEqual(m.recentFailures({ signatureId: 7, fingerprint: 'fp7', since: t0 - 15 * MIN, cap: 10 }), [t0 - MIN, t0 - 4 * MIN]);
    assert.deepEqual(m.recentFailures({ signatureId: 7, fingerprint: 'fp7', since: t0 - 60 * MIN, cap: 2 }), [t0 - MIN, t0 - 4 * MIN]);
    assert.deepEqual(m.recentFailures({ signatureId: null, fingerprint: 'fp-new', since: 0, cap: 5 }), []);
    m.prune(t0 - 10 * MIN);
    assert.deepEqual(m.recentFailures({ signatureId: 7, fingerprint: 'fp7', since: 0, cap: 10 }), [t0 - MIN, t0 - 4 * MIN]);
  });

  it('keeps a storm bounded: a thousand newest failures per signature', () => {
    const m = createGuardMemory();
    for (let i = 0; i < 5_000; i++) m.addFailure({ signatureId: 1, fingerprint: null, key: `j|r${i}|1`, at: t0 + i });
    const recent = m.recentFailures({ signatureId: 1, fingerprint: 'x', since: 0, cap: 1_000 });
    assert.equal(recent.length, 1_000);
    assert.equal(recent[0], t0 + 4_999);
    assert.ok(m.size.failures <= 2_000);
  });

  it('spends a budget at most to its max within the window, and takes a spend back', async () => {
    const m = createGuardMemory();
    const ledger = memoryLedger(m);
    const b = { policyId: 'retry', key: 'job:a/x', windowMinutes: 60, max: 2 };
    assert.deepEqual(await ledger.used([b], t0), { retry: 0 });
    assert.equal(await ledger.spend(b, 'd1', t0 - 70 * MIN), true); // outside the window by t0
    assert.equal(await ledger.spend(b, 'd2', t0 - 10 * MIN), true);
    assert.equal(await ledger.spend(b, 'd3', t0), true);
    assert.equal(await ledger.spend(b, 'd4', t0), false, 'two in the last hour: spent');
    assert.deepEqual(await ledger.used([b, { ...b, policyId: 'other' }], t0), { retry: 2, other: 0 });
    await ledger.refund(b, 'd3');
    assert.deepEqual(await ledger.used([b], t0), { retry: 1 });
    await ledger.absorb([{ decisionId: 'd9', policyId: 'retry', key: 'job:a/x', at: t0 - MIN }, { decisionId: 'd9', policyId: 'retry', key: 'job:a/x', at: t0 - MIN }]);
    assert.deepEqual(await ledger.used([b], t0), { retry: 2 }, 'a spend read twice counts once');
  });
});

describe('admission of decisions', () => {
  it('turns a request away past the in-flight bound or after waiting too long, and admits again once load drops', () => {
    const a = createAdmission({ maxInFlight: 2, shedAfterMs: 20 });
    const first = a.admit(0);
    assert.equal(first.kind, 'admitted');
    const pause = a.admit(25);
    assert.equal(pause.kind, 'admitted', 'with one in progress, a late turn is a pause, not a queue');
    const full = a.admit(0);
    assert.equal(full.kind, 'overloaded');
    assert.match(full.kind === 'overloaded' ? full.detail : '', /2 decisions already in progress/);
    if (pause.kind === 'admitted') {
      pause.release();
      pause.release(); // twice is once
    }
    assert.equal(a.inFlight, 1);
    const b = createAdmission({ maxInFlight: 10, shedAfterMs: 20 });
    b.admit(0);
    b.admit(0);
    const late = b.admit(25);
    assert.equal(late.kind, 'overloaded');
    assert.match(late.kind === 'overloaded' ? late.detail : '', /waited 25 ms/);
    assert.equal(b.admit(3).kind, 'admitted', 'a request that did not wait is admitted');
  });
});

describe('the decision caches', () => {
  it('answers a stale entry while one load renews it in the background, then the new value', async () => {
    let clock = 0;
    const cache = ttlCache<number>(10, 100, () => clock, 1_000);
    let loads = 0;
    let finish: (v: number) => void = () => undefined;
    const load = () => {
      loads++;
      return loads === 2 ? new Promise<number>((r) => { finish = r; }) : Promise.resolve(loads);
    };
    assert.equal(await cache.get('k', load), 1);
    clock = 150; // past its time to live, within the stale window
    assert.equal(await cache.get('k', load), 1);
    assert.equal(await cache.get('k', load), 1, 'the old value while the renewal is out');
    assert.equal(loads, 2, 'one renewal at a time');
    finish(2);
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.get('k', load), 2);
    clock = 5_000; // past the stale window: the caller waits for a fresh load
    assert.equal(await cache.get('k', load), 3);
  });
});
