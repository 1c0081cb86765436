import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessSize, isSuspect, type SizeObservation } from '../../src/runs/completeness.ts';

// November 2026: the 2nd is a Monday.
const day = (d: number) => new Date(Date.UTC(2026, 10, d, 1, 40));
const rows = (d: number, n: number): SizeObservation => ({ rows: n, bytes: null, at: day(d) });
/** Daily loads of about 10,000 rows, newest first, for the days before `until`. */
const daily = (until: number, count: number) => Array.from({ length: count }, (_, i) => rows(until - 1 - i, 10_000 + ((i * 37) % 9) * 50));

describe('judging a dataset version\'s size', () => {
  it('finds a load at 40 % of its usual size short, and says so in a sentence', () => {
    const a = assessSize(rows(20, 4_000), daily(20, 12));
    assert.equal(a.verdict, 'short');
    assert.ok(isSuspect(a));
    assert.equal(a.basis, 'recent');
    assert.equal(a.n, 12);
    assert.match(a.detail, /^wrote 4,000 rows, 40 % of the usual 10,\d{3} \(median of the last 12 versions\): looks partial$/);
  });

  it('finds a doubled load large: as wrong as a half one', () => {
    const a = assessSize(rows(20, 21_000), daily(20, 12));
    assert.equal(a.verdict, 'large');
    assert.ok(isSuspect(a));
    assert.match(a.detail, /^wrote 21,000 rows, 20\d % of the usual 10,\d{3} \(median of the last 12 versions\): far more than usual$/);
  });

  it('leaves a usual size alone', () => {
    const a = assessSize(rows(20, 10_100), daily(20, 12));
    assert.equal(a.verdict, 'ok');
    assert.equal(isSuspect(a), false);
    assert.match(a.detail, /^wrote 10,100 rows, as usual \(median 10,\d{3} of the last 12 versions\)$/);
  });

  it('judges a Monday against Mondays when there are enough of them: its usual size is a Tuesday\'s double', () => {
    // Six weeks of loads before Monday the 30th; Mondays carry the weekend: twice a weekday's rows.
    const history = Array.from({ length: 42 }, (_, i) => {
      const d = 29 - i;
      return rows(d, (day(d).getUTCDay() === 1 ? 20_000 : 10_000) + (i % 5) * 40);
    });
    const monday = assessSize(rows(30, 20_300), history);
    assert.equal(monday.basis, 'weekday');
    assert.equal(monday.verdict, 'ok');
    assert.match(monday.detail, /of the last 6 Mondays\)$/);
    const tuesday = assessSize({ rows: 20_300, bytes: null, at: new Date(Date.UTC(2026, 11, 1, 1, 40)) }, history);
    assert.deepEqual([tuesday.basis, tuesday.verdict], ['weekday', 'large']);
    assert.match(tuesday.detail, /of the last 6 Tuesdays\): far more than usual$/);
  });

  it('does not judge on too little history, in the unit the writer reports', () => {
    const a = assessSize({ rows: null, bytes: 5_000_000, at: day(20) }, [{ rows: null, bytes: 4_900_000, at: day(19) }, { rows: null, bytes: 5_100_000, at: day(18) }]);
    assert.deepEqual([a.verdict, a.unit, a.n, a.median, a.z], ['unknown', 'bytes', 2, null, null]);
    assert.equal(a.detail, 'wrote 5,000,000 bytes; too little history to judge (2 earlier versions)');
    assert.equal(isSuspect(a), false);
  });

  it('finds a load under its expected row count short whatever its history says', () => {
    const usual = Array.from({ length: 10 }, (_, i) => rows(19 - i, 4_100 + i));
    const a = assessSize({ ...rows(20, 4_120), expectedRows: 10_300 }, usual);
    assert.equal(a.verdict, 'short');
    assert.equal(a.detail, 'wrote 4,120 of 10,300 expected rows (40 %)');
    assert.equal(assessSize({ ...rows(20, 10_300), expectedRows: 10_300 }, daily(20, 12)).verdict, 'ok');
    assert.equal(assessSize({ ...rows(20, 3), expectedRows: 4 }, []).verdict, 'short');
  });
});
