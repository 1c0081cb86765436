/**
 * `medic export history` and `medic policies diff` as people run them: the demo history in a
 * store, exported with the real command line, and two policy folders compared over the file and
 * over the store. One store: the server when DATABASE_URL is set, else the embedded one.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/pool.ts';
import { loadDemoHistory } from '../../src/demo/load.ts';
import { buildHandlers } from '../../src/handlers.ts';
import { DiffError, PolicyDiff } from '../../src/policies/diff-schema.ts';
import { EXAMPLES_DIR, MIGRATIONS_DIR, POLICIES_DIR } from '../../src/runtime.ts';
import { parseServiceFile } from '../../src/sla/parse-file.ts';
import { applyService } from '../../src/sla/sql.ts';
import { openCliStore, runMedic, type CliStore } from '../support/cli.ts';
import { testDeps } from '../support/deps.ts';
import { testStores } from '../support/stores.ts';

/** A realistic change: OOM kills retried once instead of diagnosed, Control-M jobs retried once before people are told. */
const WIDENED = `policies:
  - id: oom-retry
    description: A container killed for memory usually passes on its next try; retry once.
    priority: 6
    match: { signature: { template: "(oomkilled|out of memory)" } }
    action: { kind: retry, delay_s: 120, max_attempts: 1 }
  - id: controlm-retry
    description: Control-M jobs are retried once before people are told.
    priority: 1
    match: { orchestrators: [controlm] }
    action: { kind: retry, delay_s: 300, max_attempts: 1 }
`;

const store = testStores().at(-1);

describe(`medic export history and medic policies diff (${store?.name})`, () => {
  let cli: CliStore;
  let dir: string;
  let head: string;
  let file: string;
  let env: Record<string, string>;
  before(async () => {
    assert.ok(store);
    cli = await openCliStore(store);
    dir = await mkdtemp(join(tmpdir(), 'medic-diff-'));
    head = join(dir, 'policies');
    file = join(dir, 'history.ndjson');
    await cp(POLICIES_DIR, head, { recursive: true });
    await writeFile(join(head, 'widened.yaml'), WIDENED);
    // The CLI opens the embedded store from its folder, one process at a time: seed it and let go.
    const folder = cli.db.url ? undefined : await openDatabase({ databaseUrl: undefined, dataDir: cli.env.MEDIC_DATA_DIR ?? '' });
    if (folder) await migrate(folder.pool, await readMigrations(MIGRATIONS_DIR));
    const seeded = folder ? { ...folder, url: undefined } : cli.db;
    const deps = testDeps(seeded);
    deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
    await loadDemoHistory(deps, 14);
    await deps.queue.drain(120_000);
    const services = parseServiceFile(await readFile(join(EXAMPLES_DIR, 'services', 'finance.yaml'), 'utf8'));
    if (services.kind === 'ok') for (const s of services.services) await applyService(seeded.pool, s);
    await deps.queue.close();
    await folder?.close();
    env = cli.env;
  });
  after(async () => {
    await cli.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exports every failed attempt since a time as NDJSON, a header first, and anonymised leaves no job name', async () => {
    const r = await runMedic(['export', 'history', '--since', '14d', '--output', file], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const header = lines[0] as { type: string; version: number; counts: { cases: number; jobs: number } };
    assert.deepEqual([header.type, header.version], ['medic-history', 2]);
    const jobs = lines.filter((l) => l.type === 'job');
    assert.ok(jobs.length === header.counts.jobs && jobs.length > new Set(lines.filter((l) => l.type === 'case').map((c) => `${String(c.namespace)}/${String(c.name)}`)).size, 'every job reported, not only those that failed');
    const cases = lines.filter((l) => l.type === 'case');
    assert.ok(cases.length > 10 && cases.length === header.counts.cases, `${cases.length} cases`);
    assert.ok(cases.some((c) => c.sla_missed !== null), 'the finance close knows whether its instances made the deadline');
    const anon = await runMedic(['export', 'history', '--since', '14d', '--anonymise'], env);
    assert.equal(anon.code, 0, anon.stderr);
    for (const name of ['finance_close', 'kyc_check', 'PAYROLL', 'airflow-prod', 'ctm-agent-01']) assert.ok(!anon.stdout.includes(name), name);
    assert.equal(anon.stdout.split('\n').filter((l) => l.includes('"type":"case"')).length, header.counts.cases);
  });

  it('compares two folders over the exported history as JSON of the documented shape, and gates with exit 1', async () => {
    const r = await runMedic(['policies', 'diff', '--base', POLICIES_DIR, '--head', head, '--history', file, '--format', 'json',
      '--fail-if', 'unrecoverable_retries>0', '--fail-if', 'approvals_removed_on_destructive>0'], env);
    assert.equal(r.code, 1, r.stderr);
    const d = PolicyDiff.parse(JSON.parse(r.stdout));
    assert.deepEqual(d.policies.added, ['controlm-retry', 'oom-retry']);
    assert.ok(d.counters.unrecoverable_retries > 0, 'Control-M jobs stayed failed until the next night');
    assert.ok(d.counters.wrong_to_right > 0, 'OOM kills recovered on their own retry');
    assert.ok(d.changes.every((c) => c.head.action === 'retry' && ['notify', 'run_agent'].includes(c.base.action)));
    assert.deepEqual(d.gates.map((g) => [g.expression, g.tripped]), [['unrecoverable_retries>0', true], ['approvals_removed_on_destructive>0', false]]);
    // The same comparison over the store, as Markdown for a pull request.
    const md = await runMedic(['policies', 'diff', '--base', POLICIES_DIR, '--head', head, '--since', d.history.since, '--format', 'markdown'], env);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, new RegExp(`^### Medic: what would this policy change have done\\?\n\n\\*\\*${d.counters.changed} of ${d.history.cases} decisions change\\*\\* over the failures since .* \\(store\\)\\.`));
    assert.match(md.stdout, /\| `unrecoverable_retries` \| \d+ \| added retries of runs that did not recover/);
  });

  it('exits 2 saying so over a history with no failure in the window', async () => {
    const empty = await runMedic(['policies', 'diff', '--base', POLICIES_DIR, '--head', head, '--history', file, '--since', '2099-01-01', '--format', 'json'], env);
    assert.equal(empty.code, 2);
    assert.match(DiffError.parse(JSON.parse(empty.stdout)).error, /^no failures in .*history\.ndjson since 2099-01-01 00:00 UTC; it holds \d+ from/);
    assert.match(empty.stderr, /^medic policies diff: no failures in/);
  });
});
