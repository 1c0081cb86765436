import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SETTINGS } from '../../src/db/pg-settings.ts';

const judge = (name: string, value: number | string, unit: string | null) => {
  const s = SETTINGS.find((x) => x.name === name);
  assert.ok(s, name);
  return s.good(value, unit);
};

describe('the advised PostgreSQL settings', () => {
  it("judges sizes in pg_settings' own units", () => {
    assert.equal(judge('shared_buffers', 16_384, '8kB'), false, "Debian's 128MB");
    assert.equal(judge('shared_buffers', 262_144, '8kB'), true, '2GB');
    assert.equal(judge('effective_cache_size', 524_288, '8kB'), true, '4GB');
    assert.equal(judge('effective_cache_size', 4_096, 'MB'), true);
    assert.equal(judge('effective_cache_size', 1, 'GB'), false);
  });

  it('wants durable commits, no JIT and room for several processes', () => {
    assert.equal(judge('synchronous_commit', 'off', null), false);
    assert.equal(judge('synchronous_commit', 'on', null), true);
    assert.equal(judge('jit', 'on', null), false);
    assert.equal(judge('max_connections', 100, null), true);
    assert.equal(judge('max_connections', 20, null), false);
  });
});
