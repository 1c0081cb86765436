import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { cliStoreForSuite, runMedic as medic } from '../support/cli.ts';
import { testStores } from '../support/stores.ts';

const git = (dir: string, ...args: string[]) => promisify(execFile)('git', ['-C', dir, '-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', '-c', 'commit.gpgsign=false', ...args]);
const PEOPLE = 'policies:\n  - {id: people, description: Every failure goes to people., action: {kind: notify}}\n';
const PAGE = 'policies:\n  - {id: people, description: Every failure pages people., action: {kind: notify, page: true}}\n';

describe('medic policies apply on an invalid folder', () => {
  it('prints each fault as file:line:column path: message and exits 1, without opening the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medic-apply-bad-'));
    try {
      await writeFile(join(dir, 'bad.yaml'), 'policies:\n  - id: wipe\n    description: d\n    action: {kind: skip}\n');
      const r = await medic(['policies', 'apply', dir, '--yes'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' });
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().replace(dir, 'DIR'), 'DIR/bad.yaml:2:5 policies.0.approval: a skip action changes data or commitments and must be gated: give an approval other than none');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Each command is a process of its own: one store is enough, the server one when there is one.
const store = testStores().at(-1);

describe(`medic policies apply, rollback and revisions (${store?.name ?? 'none'})`, () => {
  const cli = cliStoreForSuite(store);
  let dir: string;
  let head = '';
  let first: { id: string } = { id: '' };
  const env = () => ({ ...cli.env, MEDIC_USER: 'dana' });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'medic-apply-'));
    await writeFile(join(dir, 'base.yaml'), PEOPLE);
    await git(dir, 'init', '-q');
    await git(dir, 'add', '.');
    await git(dir, 'commit', '-qm', 'people');
    head = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('shows what a folder changes on a dry run, and with --yes stores it with the commit and author git gives', async () => {
    const dry = await medic(['policies', 'apply', dir], env());
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /against the folder Medic loads now \(.*\); no revision is stored yet:\n {2}\+ policy people\n/);
    assert.match(dry.stdout, /dry run: nothing stored; run again with --yes/);

    const applied = await medic(['policies', 'apply', dir, '--yes', '--message', 'first', '--json'], env());
    assert.equal(applied.code, 0, applied.stderr);
    const answer = JSON.parse(applied.stdout);
    assert.deepEqual([answer.outcome, answer.stored, answer.activation.activated_by], ['applied', true, 'dana']);
    [first] = JSON.parse((await medic(['policies', 'revisions', '--json'], env())).stdout);
    assert.deepEqual(first, { ...first, id: answer.revision, author: 'Ada <ada@example.com>', commit: head, message: 'first', active: true, applied_by: 'dana' });
  });

  it('rolls back to an earlier revision as a new activation, and medic policies shows the active one', async () => {
    await writeFile(join(dir, 'base.yaml'), PAGE);
    const second = await medic(['policies', 'apply', dir, '--yes', '--commit', 'feedc0de', '--author', 'Bo'], env());
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`against the active revision ${first.id} \\(#1, by Ada <ada@example.com>, commit ${head.slice(0, 12)}, applied by dana at .*\\):\n {2}~ policy people\n`));
    assert.match(second.stdout, /stored and activated revision [0-9a-f]{12} \(activation 2\)/);

    const back = await medic(['policies', 'rollback', first.id, '--message', 'paging was too loud'], env());
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, new RegExp(`revision ${first.id} \\(#1, .*\\) is active again \\(activation 3; it replaces [0-9a-f]{12}\\)`));
    const list = await medic(['policies'], env());
    assert.match(list.stdout, new RegExp(`^stored revision ${first.id} \\(#1, by Ada <ada@example.com>, commit ${head.slice(0, 12)}\\), active since .* \\(activation 3 by dana\\)\n`));
    assert.match(list.stdout, /people\s+failure\s+enforce\s+notify\s+none/);
  });
});
