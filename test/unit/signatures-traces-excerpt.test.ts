import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { describeFailure } from '../../src/signatures/describe.ts';
import { createHashingEmbedder } from '../../src/signatures/embedder.ts';
import { extractErrorLines } from '../../src/signatures/log-excerpt.ts';
import { reduceFailure } from '../../src/signatures/traces.ts';
import { outlierLabel, summariseFixes } from '../../src/incidents/evidence.ts';
import { sharedData } from '../support/deps.ts';

const python = `Traceback (most recent call last):
  File "/opt/airflow/dags/finance/extract.py", line 44, in extract_bank
    conn = psycopg2.connect(dsn)
  File "/usr/local/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: could not connect to server: Connection refused`;

const java = `org.apache.spark.SparkException: Job aborted due to stage failure
\tat org.apache.spark.scheduler.DAGScheduler.failJobAndIndependentStages(DAGScheduler.scala:2672)
\tat com.acme.etl.LoadOrders.run(LoadOrders.java:88)
\tat java.base/java.lang.Thread.run(Thread.java:829)
Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
\t... 12 more`;

const node = `TypeError: Cannot read properties of undefined (reading 'rows')
    at loadBatch (/srv/app/src/load.js:41:17)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
    at async main (/srv/app/src/index.js:12:3)`;

const go = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a3b2c]

goroutine 1 [running]:
main.(*Loader).Flush(0x0)
\t/src/loader/flush.go:57 +0x1c
main.main()
\t/src/loader/main.go:23 +0x85`;

describe('stack traces', () => {
  it('reduces a Python traceback to its exception type, message and top application frame', () => {
    const r = reduceFailure(python);
    assert.equal(r.kind, 'stack');
    if (r.kind !== 'stack') return;
    assert.equal(r.exceptionType, 'psycopg2.OperationalError');
    assert.equal(r.message, 'could not connect to server: Connection refused');
    assert.deepEqual(r.frames, ['/opt/airflow/dags/finance/extract.py:extract_bank']);
  });
  it('follows a Java Caused by chain to the root cause and skips library frames', () => {
    const r = reduceFailure(java);
    assert.equal(r.kind === 'stack' ? r.rootCause?.exceptionType : '', 'java.sql.SQLTransientConnectionException');
    assert.ok(r.kind === 'stack' && r.frames.every((f) => !f.startsWith('java.')));
  });
  it('reads a Node.js error and its first application frame', () => {
    const r = reduceFailure(node);
    assert.equal(r.kind === 'stack' ? r.exceptionType : '', 'TypeError');
    assert.equal(r.kind === 'stack' ? r.frames[0] : '', '/srv/app/src/load.js:loadBatch');
  });
  it('reads a Go panic with its frames', () => {
    const r = reduceFailure(go);
    assert.equal(r.kind === 'stack' ? r.exceptionType : '', 'panic: runtime error');
    assert.equal(r.kind === 'stack' ? r.frames[0] : '', '/src/loader/flush.go:main.(*Loader).Flush');
  });
  it('finds no trace in a one-line message', () => {
    assert.deepEqual(reduceFailure('HTTP 503 from vendor'), { kind: 'none' });
  });
  it('describes a failure by its root exception when the message carries a trace', () => {
    const d = describeFailure('Job aborted', java);
    assert.equal(d.exceptionType, 'java.sql.SQLTransientConnectionException');
    assert.match(d.line, /^java.sql.SQLTransientConnectionException: HikariPool-1/);
  });
});

describe('log excerpts', () => {
  it('picks the compilation error block of a real Maven breakage', () => {
    const dir = sharedData('ci-breakages', 'astor_1260');
    const { lines } = extractErrorLines(readFileSync(`${dir}/fail.log`, 'utf8'));
    const truth = new Set<number>();
    for (const l of readFileSync(`${dir}/groundtruth`, 'utf8').split('\n')) {
      const m = /^E (\d+)(?:-(\d+))?/.exec(l);
      if (m) for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) truth.add(i);
    }
    const hits = lines.filter((l) => truth.has(l)).length;
    assert.ok(lines.length <= 50, `${lines.length} lines`);
    assert.equal(hits, truth.size, `recall ${hits}/${truth.size}`);
  });
  it('finds a failed assertion with its traceback in the middle of a log that goes on cleaning up', () => {
    const progress = Array.from({ length: 400 }, (_, i) => `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}.123Z collecting module_${i}.py ok`);
    const failure = [
      '2026-12-01T10:07:00.000Z ____________________ test_totals ____________________',
      '2026-12-01T10:07:00.000Z Traceback (most recent call last):',
      '2026-12-01T10:07:00.000Z   File "tests/test_totals.py", line 12, in test_totals',
      '2026-12-01T10:07:00.000Z     assert total(rows) == 30',
      '2026-12-01T10:07:00.000Z AssertionError: expected 30, got 29',
      '2026-12-01T10:07:01.000Z 1 failed, 399 passed in 3.2s',
      '2026-12-01T10:07:01.000Z Process exited with exit code 1',
    ];
    const cleanup = Array.from({ length: 120 }, (_, i) => `2026-12-01T10:08:${String(i % 60).padStart(2, '0')}.000Z removing cache entry ${i}`);
    const { lines, excerpt, best } = extractErrorLines([...progress, ...failure, ...cleanup].join('\n'));
    assert.ok(lines.length <= 50, `${lines.length} lines`);
    for (const text of ['Traceback', 'test_totals.py', 'AssertionError: expected 30, got 29', 'exit code 1']) assert.ok(excerpt.includes(text), text);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b), 'in log order');
    assert.match(excerpt.split('\n')[lines.indexOf(best)] ?? '', /AssertionError|Traceback|failed|exit code/);
  });
  it('returns nothing for an empty log', () => {
    assert.deepEqual(extractErrorLines(''), { lines: [], excerpt: '', shown: [], best: 0 });
  });
  it('drops lines that a passing run prints too', () => {
    const fail = 'compiling\nERROR: flaky warning seen everywhere\nERROR: test_orders failed: expected 3 got 2\n';
    const pass = 'compiling\nERROR: flaky warning seen everywhere\nok\n';
    assert.deepEqual(extractErrorLines(fail, { passLog: pass }).lines, [3]);
  });
});

describe('embeddings and evidence', () => {
  it('embeds deterministically, normalised, with similar templates close and different ones apart', async () => {
    const e = createHashingEmbedder(256);
    const [a, b, c] = await e.embed(['Connection to <*> refused after <*> retries', 'Connection to <*> refused after <*> attempts', 'No space left on device']);
    const dot = (x: number[] = [], y: number[] = []) => x.reduce((s, v, i) => s + v * (y[i] ?? 0), 0);
    assert.ok(Math.abs(dot(a, a) - 1) < 1e-9);
    assert.ok(dot(a, b) > 0.7 && dot(a, c) < 0.3, `${dot(a, b)} ${dot(a, c)}`);
    assert.deepEqual((await e.embed(['x y z']))[0], (await e.embed(['x y z']))[0]);
  });
  it('labels outliers as PagerDuty does: new, rare, frequent', () => {
    assert.deepEqual([0, 1, 3, 6, 30].map(outlierLabel), ['new', 'rare', 'occasional', 'frequent', 'frequent']);
  });
  it('sums what fixed similar failures into one sentence per action', () => {
    const [retry] = summariseFixes([
      { signature_id: 1, action: 'retry', detail: null, successes: 7, attempts: 8, median_ttr_ms: 600_000 },
      { signature_id: 2, action: 'retry', detail: null, successes: 5, attempts: 6, median_ttr_ms: 720_000 },
    ]);
    assert.equal(retry?.summary, 'retry fixed it 12 of 14 times, median 12 min');
  });
});
