import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSystem, scores } from '../../evals/signatures/loghub.ts';
import { maskText } from '../../src/signatures/masking.ts';
import { mineLines } from '../../src/signatures/mine-lines.ts';
import { createMiner, MinerState, restoreMiner } from '../../src/signatures/template-miner.ts';

describe('masking', () => {
  it('masks an address with its port as one value', () => {
    assert.equal(maskText('Connection to 10.0.4.17:5432 refused'), 'Connection to <*> refused');
    assert.equal(maskText('Connection to 10.0.4.17:5432 refused', { colon: false }), 'Connection to <*>:<*> refused');
  });
  it('masks ids, UUIDs, URLs, paths and timestamps, and quoted values when asked', () => {
    const line = 'job 3f1c2d4e-0000-4000-8000-00000000abcd at 2026-11-24T01:02:03Z read /data/in/ledger.csv from https://x.example/v2?a=1 as "finance"';
    assert.equal(maskText(line), 'job <*> at <*> read <*> from <*> as "finance"');
    assert.equal(maskText(line, { quoted: true }), 'job <*> at <*> read <*> from <*> as "<*>"');
  });
  it('masks date-times written with spaces and names, and literal values', () => {
    assert.equal(maskText('rotated at Sun Jul 10 09:42:05 2005 ok=true'), 'rotated at <*> ok=<*>');
    assert.equal(maskText('took 35 ms', { units: true }), 'took <*>');
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

  it('finds a variable made of words from how messages vary, and merged ids keep answering', () => {
    const m = createMiner();
    const results = ['alice', 'bob', 'carol', 'dave'].map((u) => m.add(`session opened for user ${u} by uid 0 from host db-1 on port 22 via sshd`));
    assert.deepEqual(results.map((r) => r.merged.length > 0), [false, false, true, false], 'the third user makes the position a variable');
    assert.equal(new Set(results.map((r) => m.resolve(r.clusterId))).size, 1);
    const root = m.resolve(results[0]?.clusterId ?? 0);
    assert.equal(root, results[0]?.clusterId, 'the oldest id names the event');
    assert.deepEqual(m.aliases(root), [2, 3]);
    for (const r of results) assert.match(m.template(r.clusterId) ?? '', /^session opened for user <\*> by uid <\*>/);
    assert.equal(m.match('session opened for user erin by uid 0 from host db-1 on port 22 via sshd')?.clusterId, root);
  });

  it('keeps a word that takes only a few values apart (an enumeration, not a variable)', () => {
    const m = createMiner();
    const ids = ['bytes', 'values'].map((w) => m.add(`Block broadcast_7 stored as ${w} in memory (estimated size 16.0 KB, free 3.5 GB)`).clusterId);
    assert.notEqual(ids[0], ids[1]);
  });

  it('treats an empty value, a value and a value of several tokens as one variable', () => {
    const m = createMiner();
    const ids = ['rhost= user=x', 'rhost=10.0.0.1 user=x', 'rhost= 10.0.0.2 8080 user=x']
      .map((tail) => m.add(`Accepted login for ${tail} from gateway`).clusterId);
    const events = ids.map((id) => m.resolve(id));
    assert.equal(new Set(events).size, 1);
    assert.equal(m.template(ids[0] ?? 0), 'Accepted login for rhost=<*> user=x from gateway');
  });

  it('merges templates that differ by a value with and without its unit stretch, and () with (x)', () => {
    const m = createMiner();
    const sizes = ['512 bytes', '20 bytes (2 KB)', '7 bytes', '9 bytes (1 KB)'].map((v) => m.add(`Received block of ${v} from peer node`).clusterId);
    assert.equal(new Set(sizes.map(m.resolve)).size, 1);
    const calls = ['()', '(x)', '(y)', '(z)'].map((v) => m.add(`call finished ${v} in queue main`).clusterId);
    assert.equal(new Set(calls.map(m.resolve)).size, 1);
    assert.equal(m.template(calls[0] ?? 0), 'call finished (<*>) in queue main');
  });

  it('learns weekday names as a variable', () => {
    const m = createMiner();
    const ids = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].map((d) => m.add(`backup window opens on ${d} for volume data`).clusterId);
    assert.equal(new Set(ids.map(m.resolve)).size, 1);
    assert.equal(m.template(ids[0] ?? 0), 'backup window opens on <*> for volume data');
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

  it('keeps merges through snapshot and restore', () => {
    const m = createMiner();
    const ids = ['alice', 'bob', 'carol', 'dave'].map((u) => m.add(`session opened for user ${u} by uid 0`).clusterId);
    const again = restoreMiner(MinerState.parse(JSON.parse(JSON.stringify(m.snapshot()))));
    for (const id of ids) assert.equal(again.resolve(id), m.resolve(id));
    assert.equal(again.add('session opened for user zoe by uid 7').clusterId, m.resolve(ids[0] ?? 0));
  });

  it('restores a first-version state with its ids, and hands out new ids after them', () => {
    const v1 = MinerState.parse({ version: 1, nextId: 9, clusters: [{ id: 4, tokens: ['disk', 'quota', 'exceeded', 'for', 'volume', '<*>'], size: 3, lastUsed: 3 }] });
    const m = restoreMiner(v1);
    assert.equal(m.add('disk quota exceeded for volume 12').clusterId, 4);
    assert.equal(m.add('certificate expired for host gateway').clusterId, 9);
    assert.equal(m.snapshot().version, 2);
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
