import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnonymiser } from '../../src/policies/anonymise.ts';
import { anonymiseHistory } from '../../src/policies/anonymise-history.ts';
import { replay } from '../../src/policies/backtest.ts';
import type { StoredFailure } from '../../src/policies/backtest-sql.ts';
import { historyLines, readHistory } from '../../src/policies/history-file.ts';
import { caseKey, type ReplayHistory } from '../../src/policies/history.ts';
import { loadPolicySet } from '../../src/policies/load.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';

const t0 = Date.UTC(2026, 10, 2, 1, 0);
const SALT = Buffer.alloc(32, 7);
const embedder = createHashingEmbedder(64);

const MESSAGE = 'psycopg2.OperationalError: could not connect to server warehouse.acme.corp (10.20.4.17:5432): Connection refused for ana.lopez@acme.com in /home/ana/dags/finance_close/extract.py, on ctm-agent-01, run scheduled__2026-11-02';
const TEMPLATE = 'psycopg2.OperationalError: could not connect to server warehouse.acme.corp (<*>): Connection refused for <*> in <*>, on ctm-agent-01, run <*>';
const ORIGINALS = ['warehouse', 'acme', '10.20.4.17', 'ana', 'lopez', 'finance_close', 'extract_bank', 'airflow-prod', 'ctm-agent-01', 'scheduled__2026-11-02', 'finance-close', 'Finance close by 06:00'];

function failure(minute: number, over: Partial<StoredFailure> = {}): StoredFailure {
  return {
    run_id: minute + 1, attempt: 1, failed_at: new Date(t0 + minute * 60_000), incident_id: 1, namespace: 'airflow-prod', name: 'finance_close.extract_bank',
    source: 'airflow-prod', orchestrator: 'airflow', run_key: 'scheduled__2026-11-02', error_message: MESSAGE, error_detail: `Traceback: ${MESSAGE}`,
    signature_id: 1, fingerprint: 'fp-1', template: TEMPLATE, exception_type: 'psycopg2.OperationalError', embedding: JSON.stringify([0.5, 0.5]),
    signature_first_seen_at: new Date(t0), run_recovered: true, resolution: { action: 'manual_fix', actor: 'ana', outcome: 'success', resolved_at: '2026-11-02T02:00:00+00:00' },
    ...over,
  };
}

function history(failures: StoredFailure[]): ReplayHistory {
  return {
    origin: 'store', from: new Date(t0), until: new Date(t0 + 3_600_000), failures, anonymised: false, jobNamesAnonymised: false, embedder: 'hashing-v1-64',
    jobs: ['airflow-prod/finance_close.extract_bank', 'airflow-prod/finance_close.load_ledger'],
    history: {
      near: new Map([[1, [1, 9]]]),
      resolutions: [{ signature_id: 9, action: 'retry', outcome: 'success', time_to_recover_ms: 60_000, resolved_at: new Date(t0 - 60_000) }],
      services: new Map([['airflow-prod/finance_close.extract_bank', [{ name: 'finance-close', title: 'Finance close by 06:00', criticality: 'critical', forecast: null }]]]),
    },
    after: new Map(failures.map((f) => [caseKey(f), { next_attempt: 'completed', sla_missed: false }])),
  };
}

const H = history([failure(0), failure(5, { attempt: 2, run_id: 1 })]);

describe('the anonymiser', () => {
  it('is stable within an export and differs between exports', () => {
    const a = createAnonymiser(SALT, { plain: ['airflow-prod'], jobs: ['finance_close.extract_bank'] });
    const b = createAnonymiser(SALT, { plain: ['airflow-prod'], jobs: ['finance_close.extract_bank'] });
    const c = createAnonymiser(Buffer.alloc(32, 8), { plain: ['airflow-prod'], jobs: ['finance_close.extract_bank'] });
    assert.equal(a.text(MESSAGE), b.text(MESSAGE));
    assert.equal(a.text(MESSAGE), a.text(MESSAGE));
    assert.notEqual(a.text(MESSAGE), c.text(MESSAGE));
    assert.equal(a.jobName('finance_close.extract_bank'), a.text('finance_close.extract_bank'), 'a name in text reads as the name field does');
    assert.match(a.jobName('finance_close.extract_bank'), /^n[0-9a-f]{8}\.n[0-9a-f]{8}$/);
    assert.equal(a.actor('orchestrator'), 'orchestrator');
  });

  it('keeps the structure of a message: its words, punctuation, exception type, placeholders and top-level domain', () => {
    const a = createAnonymiser(SALT, { plain: ['airflow-prod'], jobs: ['finance_close.extract_bank'] });
    const out = a.text(TEMPLATE);
    assert.match(out, /^psycopg2\.OperationalError: could not connect to server h[0-9a-f]{8}\.h[0-9a-f]{8}\.corp \(<\*>\): Connection refused for <\*> in <\*>, on host-[0-9a-f]{8}, run <\*>$/);
    assert.match(a.text('reach 10.20.4.17:5432 as ana.lopez@acme.com'), /^reach 10\.\d+\.\d+\.\d+:5432 as u[0-9a-f]{8}@h[0-9a-f]{8}\.com$/);
    assert.match(a.text('File "/home/ana/dags/finance_close/extract.py"'), /^File "\/home\/n[0-9a-f]{8}\/dags\/n[0-9a-f]{8}\/n[0-9a-f]{8}\.py"$/);
    assert.equal(a.text('java.net.SocketTimeoutException: Read timed out; utf-8'), 'java.net.SocketTimeoutException: Read timed out; utf-8');
  });

  it('leaves no original name, host, address or person in an exported history, and the same failures still share a signature', async () => {
    const anon = await anonymiseHistory(H, SALT, embedder);
    const text = historyLines(anon, new Date(t0)).join('\n');
    for (const original of ORIGINALS) assert.ok(!text.includes(original), `${original} is gone`);
    const [first, second] = anon.failures;
    assert.ok(first && second);
    assert.equal(first.template, second.template);
    assert.equal(first.fingerprint, second.fingerprint);
    assert.notEqual(first.fingerprint, 'fp-1');
    assert.equal(first.resolution?.actor.startsWith('person-'), true);
    assert.equal(anon.anonymised, true);
    assert.equal(anon.embedder, embedder.id);
    assert.equal((JSON.parse(first.embedding ?? '[]') as number[]).length, 64, 'vectors made again from the anonymised text');
    assert.equal(anon.jobNamesAnonymised, true);
    assert.equal(anon.jobs?.[0], `${first.namespace}/${first.name}`, 'a job listed reads as in the failures');
    assert.match(anon.jobs?.[1] ?? '', /^n[0-9a-f]{8}\/n[0-9a-f]{8}\.n[0-9a-f]{8}$/);
  });

  it('matches a policy on the anonymised template as on the original, and keeps names when asked', async () => {
    const loaded = await loadPolicySet([{ name: 'p.yaml', text: `policies:
  - {id: refused, description: R., match: {signature: {template: "connection refused"}}, action: {kind: retry}}
  - {id: finance, description: F., priority: 5, match: {jobs: ["*/finance_close.*"]}, action: {kind: notify, page: true}}
  - {id: people, description: P., priority: -1, action: {kind: notify}}
` }], embedder);
    assert.equal(loaded.kind, 'ok');
    if (loaded.kind !== 'ok') return;
    const decided = (h: ReplayHistory) => replay(loaded.set, h.failures, h.history, new Date(t0)).decisions.map((d) => d.policy_id);
    assert.deepEqual(decided(H), ['finance', 'finance']);
    assert.deepEqual(decided(await anonymiseHistory(H, SALT, embedder)), ['refused', 'refused'], 'a job glob no longer matches an aliased job');
    const kept = await anonymiseHistory(H, SALT, embedder, { keepNames: true });
    assert.deepEqual(decided(kept), ['finance', 'finance']);
    assert.deepEqual([kept.jobNamesAnonymised, kept.jobs], [false, H.jobs]);
    assert.ok(!historyLines(kept, new Date(t0)).join('\n').includes('10.20.4.17'));
  });
});

describe('the history file', () => {
  it('reads back what it wrote: the same failures, history and aftermath', () => {
    const lines = historyLines(H, new Date(t0 + 7_200_000));
    assert.deepEqual(JSON.parse(lines[0] ?? '{}').counts, { cases: 2, signatures: 1, resolutions: 1, jobs: 2 });
    const read = readHistory(lines.join('\n'), 'h.ndjson');
    assert.equal(read.kind, 'ok', read.kind === 'invalid' ? read.message : '');
    if (read.kind !== 'ok') return;
    const h = read.history;
    assert.deepEqual(h.failures, H.failures);
    assert.deepEqual(h.history.near.get(1), [1, 9]);
    assert.deepEqual(h.history.resolutions, H.history.resolutions);
    assert.deepEqual(h.history.services, H.history.services);
    assert.deepEqual([...h.after], [...H.after]);
    assert.equal(h.origin, 'h.ndjson');
    assert.deepEqual([h.jobs, h.jobNamesAnonymised], [H.jobs, false]);
  });

  it('reads a version 1 export, which lists no jobs, as one that cannot say which jobs were reported', () => {
    const lines = historyLines(H, new Date(t0)).filter((l) => !l.startsWith('{"type":"job"'));
    const header = JSON.parse(lines[0] ?? '{}') as { version: number; counts: Record<string, number>; job_names_anonymised?: boolean };
    header.version = 1;
    delete header.counts.jobs;
    delete header.job_names_anonymised;
    const read = readHistory([JSON.stringify(header), ...lines.slice(1)].join('\n'), 'h.ndjson');
    assert.equal(read.kind, 'ok', read.kind === 'invalid' ? read.message : '');
    if (read.kind === 'ok') assert.deepEqual([read.history.jobs, read.history.failures], [null, H.failures]);
  });

  it('says what is wrong with a file it cannot read: not an export, another version, a bad line, cut short', () => {
    const lines = historyLines(H, new Date(t0));
    const message = (text: string) => {
      const r = readHistory(text, 'h.ndjson');
      return r.kind === 'invalid' ? r.message : 'read';
    };
    assert.match(message('{"kind": "something else"}'), /^h\.ndjson: not a Medic history export/);
    assert.match(message(''), /not a Medic history export/);
    assert.equal(message([lines[0]?.replace('"version":2', '"version":3'), ...lines.slice(1)].join('\n')), 'h.ndjson: history format version 3, this Medic reads versions 1 and 2');
    assert.match(message([...lines.slice(0, 2), lines[2]?.replace('"attempt":2', '"attempt":0'), ...lines.slice(3)].join('\n')), /^h\.ndjson:3: attempt: /);
    assert.match(message(lines.slice(0, -1).join('\n')), /the header counts 2 cases, 1 signatures, 1 resolutions and 2 jobs; the file holds 2 cases, 1 signatures, 1 resolutions and 1 jobs \(cut short\?\)/);
  });
});
