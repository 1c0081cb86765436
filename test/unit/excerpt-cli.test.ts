import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { excerptFiles, logText } from '../../src/cli/excerpt.ts';
import { runMedic } from '../support/cli.ts';

const LOG = [
  ...Array.from({ length: 200 }, (_, i) => `compiling unit ${i} ok`),
  'src/orders.ts:12:7 - error TS2322: Type \'string\' is not assignable to type \'number\'.',
  '    12   total = "3";',
  'Found 1 error.',
  'npm run build exited with exit code 2',
  '',
].join('\n');

describe('medic excerpt', () => {
  let dir: string;
  const path = (name: string) => join(dir, name);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medic-excerpt-'));
    await writeFile(path('build.log'), LOG);
    await writeFile(path('crlf.log'), LOG.replaceAll('\n', '\r\n'));
    await writeFile(path('empty.log'), '');
    await writeFile(path('binary.log'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]));
    await writeFile(path('latin1.log'), Buffer.from('error: caf\xe9 not found\n', 'latin1'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints one JSON object a line, lines verbatim and in log order, and an error line for each bad file', async () => {
    const r = await runMedic(['excerpt', '--json', path('build.log'), path('empty.log'), path('binary.log'), path('latin1.log'), path('missing.log'), path('crlf.log')]);
    assert.equal(r.code, 1, r.stderr);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; excerpt?: string[]; error?: string });
    assert.deepEqual(objects.map((o) => o.file), ['build.log', 'empty.log', 'binary.log', 'latin1.log', 'missing.log', 'crlf.log'].map(path));
    const [build, empty, binary, latin1, missing, crlf] = objects;
    assert.ok(build?.excerpt && build.excerpt.length <= 50, JSON.stringify(build));
    assert.ok(build.excerpt.includes('src/orders.ts:12:7 - error TS2322: Type \'string\' is not assignable to type \'number\'.'));
    assert.ok(build.excerpt.includes('    12   total = "3";'), 'indentation is kept');
    assert.ok(build.excerpt.includes('npm run build exited with exit code 2'));
    const order = build.excerpt.map((l) => LOG.split('\n').indexOf(l));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.deepEqual(crlf?.excerpt, build.excerpt, 'CRLF logs give the same lines, without the CR');
    assert.match(empty?.error ?? '', /empty/);
    assert.match(binary?.error ?? '', /binary/);
    assert.match(latin1?.error ?? '', /UTF-8/);
    assert.match(missing?.error ?? '', /no such file/);
  });

  it('reads stdin for -, and prints plain lines without --json', async () => {
    const r = await runMedic(['excerpt', '-'], {}, LOG);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /error TS2322/);
    assert.equal(r.stderr, '');
    const two = await runMedic(['excerpt', path('build.log'), path('empty.log')]);
    assert.equal(two.code, 1);
    assert.match(two.stdout, new RegExp(`^==> ${path('build.log')} <==$`, 'm'));
    assert.match(two.stderr, /empty\.log: empty file/);
  });

  it('refuses a max-lines that is not a positive whole number', async () => {
    const r = await runMedic(['excerpt', '--max-lines', 'zero', path('build.log')]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--max-lines/);
  });
});

describe('excerpts in process', () => {
  it('keeps going after a file that cannot be read, and bounds the excerpt', async () => {
    const files: Record<string, Buffer> = { 'a.log': Buffer.from(LOG), 'b.log': Buffer.from('') };
    const got = await excerptFiles(['b.log', 'a.log'], { maxLines: 3, read: async (p) => files[p] ?? Buffer.alloc(0) });
    assert.equal(got[0]?.kind, 'error');
    assert.ok(got[1]?.kind === 'excerpt' && got[1].lines.length === 3);
  });
  it('accepts UTF-8 text with odd but valid characters', () => {
    assert.equal(logText(Buffer.from('ошибка: файл не найден ✗\n')).kind, 'text');
  });
});
