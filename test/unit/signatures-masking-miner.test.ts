import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSystem, scores } from '../../evals/signatures/loghub.ts';
import { maskText } from '../../src/signatures/masking.ts';
import { mineLines } from '../../src/signatures/mine-lines.ts';
import { createMiner, MinerState, restoreMiner } from '../../src/signatures/template-miner.ts';

describe('masking', () => {
  it('masks an IPv4 address with its port, keeping the colon that ties them', () => {
    assert.equal(maskText('Connection to 10.0.4.17:5432 refused'), 'Connection to <*>:<*> refused');
  });
  it('masks ids, UUIDs, URLs, paths, timestamps and quoted values', () => {
    assert.equal(
      maskText('job 3f1c2d4e-0000-4000-8000-00000000abcd at 2026-11-24T01:02:03Z read /data/in/ledger.csv from https://x.example/v2?a=1 as "finance"'),
      'job <*> at <*> read <*> from <*> as "<*>"');
  });
  it('keeps the name of a key beside its value', () => {
    assert.equal(maskText('retries=3 took 35ms user=alice'), 'retries=<*> took <*> user=alice');
  });
  it('keeps dotted exception names that happen to hold a digit', () => {
    assert.equal(maskText('psycopg2.OperationalError: timeout after 30s'), 'psycopg2.OperationalError: timeout after <*>');
  });
});

describe('the template miner', () => {
  it('groups two messages that differ only in a block id and a number', () => {
    const m = createMiner();
    const a = m.add('PacketResponder 1 for block blk_38865049064139660 terminating');
    const b = m.add('PacketResponder 0 for block blk_-6952295868487656571 terminating');
    assert.equal(a.clusterId, b.clusterId);
    assert.equal(b.template, 'PacketResponder <*> for block <*> terminating');
  });

  it('keeps two events apart when they differ in a word', () => {
    const m = createMiner();
    assert.notEqual(m.add('Starting TrustedInstaller initialization.').clusterId, m.add('Ending TrustedInstaller initialization.').clusterId);
  });

  it('widens a template where a word position varies across many messages of one event', () => {
    const m = createMiner();
    const ids = ['alice', 'bob', 'carol'].map((u) => m.add(`session opened for user ${u} by uid 0 from host db-1 on port 22 via sshd`).clusterId);
    assert.equal(new Set(ids).size, 1);
    assert.match(m.match('session opened for user dave by uid 0 from host db-1 on port 22 via sshd')?.template ?? '', /user <\*> by/);
  });

  it('is deterministic: same input, same ids and templates', () => {
    const lines = ['a 1', 'b 2 x', 'a 3', 'c d e 4', 'b 5 x'];
    const run = () => { const m = createMiner(); return lines.map((l) => m.add(l)); };
    assert.deepEqual(run(), run());
  });

  it('keeps cluster ids after snapshot and restore, and never reuses an id', () => {
    const m = createMiner();
    const first = m.add('disk quota exceeded for volume 17');
    m.add('cannot open file in read only mode');
    const state = MinerState.parse(JSON.parse(JSON.stringify(m.snapshot())));
    const again = restoreMiner(state);
    assert.equal(again.add('disk quota exceeded for volume 99').clusterId, first.clusterId);
    const fresh = again.add('a completely different message about certificates');
    assert.ok(fresh.isNew && fresh.clusterId > Math.max(...state.clusters.map((c) => c.id)));
  });

  it('forgets the least recently used cluster beyond its bound', () => {
    const m = createMiner({ maxClusters: 2 });
    m.add('alpha event happened');
    m.add('beta thing occurred twice');
    m.add('gamma message arrived here now');
    assert.equal(m.size, 2);
    assert.equal(m.match('alpha event happened'), undefined);
  });

  it('reaches a grouping accuracy of at least 0.9 on the HDFS logs of Loghub', () => {
    const truth = loadSystem(fileURLToPath(new URL('../../../shared/data/loghub-2k', import.meta.url)), 'HDFS');
    const m = createMiner();
    const ids = truth.map((t) => m.add(t.content).clusterId);
    const final = new Map(m.snapshot().clusters.map((c) => [c.id, c.tokens.join(' ')]));
    const s = scores(truth, ids.map((id) => ({ clusterId: id, template: final.get(id) ?? '' })));
    assert.ok(s.ga >= 0.9, `GA ${s.ga}`);
  });
});

describe('the mine contract', () => {
  it('writes cluster_id<TAB>template for each input line, in order', async () => {
    async function* lines() { yield 'user 1 logged in'; yield 'user 2 logged in'; yield 'disk\tfull'; }
    const out: string[] = [];
    await mineLines(lines(), (l) => out.push(l), createMiner());
    assert.equal(out.length, 3);
    assert.deepEqual(out.map((l) => l.split('\t').length), [2, 2, 2]);
    assert.equal(out[0]?.split('\t')[0], out[1]?.split('\t')[0]);
    assert.equal(out[1], `${out[0]?.split('\t')[0]}\tuser <*> logged in`);
  });
});
