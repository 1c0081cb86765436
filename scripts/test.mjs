#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// Node 20's runner takes no recursive globs, so the files are listed here.
// `npm test -- unit` runs only the files whose path contains "unit"; `!chaos` leaves out the
// files whose path contains "chaos".
//
// The tests record what they configure and what Medic wrote (logs, process output, stored rows)
// into a fresh folder; afterwards every configured secret is searched for there, and a secret
// found fails the run (test/support/secret-scan.ts). The folder is kept when something is found.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tsImport } from 'tsx/esm/api';

function listTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listTests(path);
    return path.endsWith('.test.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const only = args.filter((x) => !x.startsWith('!'));
const except = args.filter((x) => x.startsWith('!')).map((x) => x.slice(1));
const files = listTests('test')
  .filter((f) => (only.length === 0 || only.some((x) => f.includes(x))) && !except.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const scanDir = mkdtempSync(join(tmpdir(), 'medic-secret-scan-'));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent', MEDIC_SECRET_SCAN_DIR: scanDir } },
);

const scan = await tsImport('../test/support/secret-scan.ts', import.meta.url);
const report = scan.scanRecord(scanDir);
console.log(scan.summaryOf(report));
if (report.hits.length > 0) {
  console.error(`secrets found in what the tests recorded (kept in ${scanDir}):\n${scan.hitLines(report).join('\n')}`);
  process.exit(result.status || 1);
}
rmSync(scanDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
