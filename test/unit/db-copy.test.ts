import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BinaryCopyRows, ColumnArrays, textRows } from '../../src/db/copy.ts';

/** Reads back what BinaryCopyRows#messages wrote: the CopyData message's rows, and the CopyDone after it. */
function decode(messages: Buffer): { rows: (string | null)[][]; done: boolean } {
  assert.equal(String.fromCharCode(messages[0] ?? 0), 'd');
  const end = 1 + messages.readInt32BE(1);
  assert.equal(messages.subarray(5, 16).toString('latin1'), 'PGCOPY\n\xff\r\n\0');
  let at = 5 + 19;
  const rows: (string | null)[][] = [];
  for (;;) {
    const fields = messages.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const row: (string | null)[] = [];
    for (let i = 0; i < fields; i++) {
      const n = messages.readInt32BE(at);
      at += 4;
      row.push(n === -1 ? null : messages.toString('utf8', at, at + n));
      if (n > 0) at += n;
    }
    rows.push(row);
  }
  assert.equal(at, end, 'the CopyData length covers the rows and the trailer');
  const done = String.fromCharCode(messages[at] ?? 0) === 'c' && messages.readInt32BE(at + 1) === 4 && messages.length === at + 5;
  return { rows, done };
}

describe('rows for COPY … (FORMAT binary)', () => {
  it('writes text as UTF-8 without escaping, NULL as such, and frames it as CopyData then CopyDone', () => {
    const values = ['plain', '', 'tab\there, newline\nthere, back\\slash', 'été ✓ 😀', null, '{"a":"\\u0000"}', 'x'.repeat(95), 'é'.repeat(97)];
    const w = new BinaryCopyRows(values.length, 64);
    w.row();
    for (const v of values) w.text(v);
    w.row();
    for (const v of values) w.text(v === null ? 'not null' : null);
    const { rows, done } = decode(w.messages());
    assert.deepEqual(rows, [values, values.map((v) => (v === null ? 'not null' : null))]);
    assert.ok(done);
    assert.equal(w.count, 2);
  });

  it('grows past its first buffer', () => {
    const w = new BinaryCopyRows(2, 64);
    const long = 'payload '.repeat(2_000);
    for (let i = 0; i < 300; i++) {
      w.row();
      w.text(String(i));
      w.text(long);
    }
    const { rows } = decode(w.messages());
    assert.equal(rows.length, 300);
    assert.deepEqual(rows[299], ['299', long]);
  });

  it('gives PGlite the same rows as one text array per column', () => {
    const w = textRows(false, 3);
    assert.ok(w instanceof ColumnArrays);
    w.row();
    w.text('a');
    w.text(null);
    w.text(undefined);
    w.row();
    w.text('b');
    w.text('c');
    w.text('d');
    assert.deepEqual(w.arrays, [['a', 'b'], [null, 'c'], [null, 'd']]);
  });
});
