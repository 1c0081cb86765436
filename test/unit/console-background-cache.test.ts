import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBackgroundCache } from '../../src/console/pages/background-cache.ts';

/** A computation the test finishes by hand, counting how often it was started and for which key. */
function manual() {
  const started: string[] = [];
  const pending: { resolve(v: string): void; reject(e: Error): void }[] = [];
  return {
    started,
    compute: (key: string) => {
      started.push(key);
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
    finish: async (value: string) => {
      pending.shift()?.resolve(value);
      await new Promise((r) => setImmediate(r));
    },
    fail: async (message: string) => {
      pending.shift()?.reject(new Error(message));
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe('background cache', () => {
  it('computes a key once in the background, however often it is asked for', async () => {
    const m = manual();
    let now = 0;
    const cache = createBackgroundCache({ compute: m.compute, maxAgeMs: 600_000, clock: () => new Date(now) });
    assert.equal(cache.peek('r1').kind, 'computing');
    assert.equal(cache.peek('r1').kind, 'computing');
    assert.deepEqual(m.started, ['r1']);
    now = 5_000;
    await m.finish('report 1');
    assert.deepEqual(cache.peek('r1'), { kind: 'ready', value: 'report 1', at: new Date(5_000), refreshing: false });
    assert.deepEqual(m.started, ['r1']);
  });

  it('serves the old value while it computes it again, once it is older than the maximum age', async () => {
    const m = manual();
    let now = 0;
    const cache = createBackgroundCache({ compute: m.compute, maxAgeMs: 600_000, clock: () => new Date(now) });
    cache.peek('r1');
    await m.finish('old');
    now = 600_000;
    const stale = cache.peek('r1');
    assert.equal(stale.kind === 'ready' && stale.value, 'old');
    assert.equal(stale.kind === 'ready' && stale.refreshing, true);
    await m.finish('new');
    const fresh = cache.peek('r1');
    assert.deepEqual(fresh, { kind: 'ready', value: 'new', at: new Date(600_000), refreshing: false });
    assert.equal(m.started.length, 2);
  });

  it('drops what it computed for a key no longer asked for, and computes the new one next', async () => {
    const m = manual();
    const cache = createBackgroundCache({ compute: m.compute, maxAgeMs: 600_000, clock: () => new Date(0) });
    cache.peek('r1');
    assert.equal(cache.peek('r2').kind, 'computing', 'a reloaded set waits for the computation under way');
    await m.finish('for r1');
    assert.deepEqual(m.started, ['r1', 'r2']);
    assert.equal(cache.peek('r1').kind, 'computing', 'r1 was dropped');
    await m.finish('for r1 again');
    await m.finish('for r2');
  });

  it('tells a failure, and tries again only after a while', async () => {
    const m = manual();
    let now = 0;
    const cache = createBackgroundCache({ compute: m.compute, maxAgeMs: 600_000, retryMs: 60_000, clock: () => new Date(now) });
    cache.peek('r1');
    await m.fail('store gone');
    assert.deepEqual(cache.peek('r1'), { kind: 'failed', error: 'store gone', at: new Date(0) });
    assert.equal(m.started.length, 1);
    now = 60_000;
    assert.equal(cache.peek('r1').kind, 'computing');
    assert.equal(m.started.length, 2);
    await m.finish('at last');
    await cache.idle();
  });

  it('waits a little for a quick computation, and no longer than asked for a slow one', async () => {
    const quick = createBackgroundCache({ compute: async (k: string) => `lint of ${k}`, maxAgeMs: 30_000, clock: () => new Date(0) });
    assert.deepEqual(await quick.wait('dir', 1_000), { kind: 'ready', value: 'lint of dir', at: new Date(0), refreshing: false });
    const m = manual();
    const slow = createBackgroundCache({ compute: m.compute, maxAgeMs: 30_000, clock: () => new Date(0) });
    assert.equal((await slow.wait('dir', 20)).kind, 'computing');
    await m.finish('done');
    await slow.idle();
  });
});
