import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputCheck, upstreamCheck } from '../../src/decide/preflight.ts';

const usual = [1_000_200, 998_700, 1_003_900, 1_001_000, 996_400, 1_002_300, 999_100, 1_000_800];

describe('preflight checks', () => {
  it('finds a ledger at a third of its usual size partial, and its usual size complete', () => {
    const short = inputCheck('dw/ledger', 310_000, usual);
    assert.equal(short.verdict, 'short');
    assert.match(short.detail, /dw\/ledger holds 310000 rows, 31 % of its usual 1000500/);
    assert.equal(inputCheck('dw/ledger', 1_001_500, usual).verdict, 'ok');
  });

  it('does not hold a job over a few rows of a dataset that never varies', () => {
    assert.equal(inputCheck('ref/currencies', 178, [180, 180, 180, 180, 180, 180]).verdict, 'ok');
    assert.equal(inputCheck('ref/currencies', 80, [180, 180, 180, 180, 180, 180]).verdict, 'short');
  });

  it('says when there is too little history to judge, in the unit the writer reports', () => {
    const c = inputCheck('s3/exports', 5_000_000, [4_900_000, 5_100_000], 'bytes');
    assert.equal(c.verdict, 'unknown');
    assert.match(c.detail, /5000000 bytes, too little history \(2\)/);
  });

  it('holds on an upstream that failed, is still running, or has not delivered since the last run', () => {
    const prev = new Date('2026-11-23T02:00:00Z');
    const base = { job: 'erp/extract', endedAt: new Date('2026-11-24T01:40:00Z') };
    assert.equal(upstreamCheck({ ...base, state: 'failed', lastSuccessAt: null }, prev).verdict, 'failed');
    assert.equal(upstreamCheck({ ...base, state: 'running', lastSuccessAt: null }, prev).verdict, 'running');
    assert.equal(upstreamCheck({ ...base, state: 'completed', lastSuccessAt: new Date('2026-11-23T01:30:00Z') }, prev).verdict, 'stale');
    assert.equal(upstreamCheck({ ...base, state: 'completed', lastSuccessAt: new Date('2026-11-24T01:40:00Z') }, prev).verdict, 'ok');
  });
});
