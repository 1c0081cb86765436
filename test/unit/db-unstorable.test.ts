import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isUnstorable, replaceUnstorable } from '../../src/db/unstorable.ts';

describe('characters PostgreSQL cannot store', () => {
  it('finds NUL and unpaired surrogates, and leaves paired ones and other control bytes alone', () => {
    for (const bad of ['a\u0000b', '\ud800', 'x\udc00', 'end\ud83d']) assert.ok(isUnstorable(bad), JSON.stringify(bad));
    for (const good of ['plain', 'emoji \ud83d\ude00', 'tab\tbell\u0007', '\uFFFD']) assert.ok(!isUnstorable(good), JSON.stringify(good));
  });

  it('replaces each in strings, keys and nested values, counts them, and hands back a clean value uncopied', () => {
    const dirty = { 'k\u0000': ['v\u0000', { deep: 'x\ud800y' }], n: 3, t: new Date(0), ok: 'emoji \ud83d\ude00' };
    const { value, replaced } = replaceUnstorable(dirty);
    assert.equal(replaced, 3);
    assert.deepEqual(value, { 'k\uFFFD': ['v\uFFFD', { deep: 'x\uFFFDy' }], n: 3, t: new Date(0), ok: 'emoji \ud83d\ude00' });
    const clean = { a: ['b', { c: 'd' }] };
    assert.equal(replaceUnstorable(clean).value, clean);
  });
});
