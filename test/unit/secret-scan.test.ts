import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createScanner, formsOf, hitLines, RECORD, scanRecord, summaryOf } from '../support/secret-scan.ts';

const SECRET = { name: 'SLACK_BOT_TOKEN', value: 'xoxb-planted-0123456789' };
const found = (text: string) => createScanner([SECRET]).scan(Buffer.from(text)).map((f) => f.needle.form);

describe('the secrets scan', () => {
  it('finds a secret as written, URL-encoded and JSON-escaped', () => {
    assert.deepEqual(found(`{"level":20,"msg":"posting with ${SECRET.value}"}`), ['as is']);
    assert.deepEqual(createScanner([{ name: 'p', value: 'pa ss/word"1' }]).scan(Buffer.from('?password=pa%20ss%2Fword%221 and "pa ss/word\\"1"')).map((f) => f.needle.form), ['URL-encoded', 'JSON-escaped']);
  });

  it('finds a secret in base64 wherever its bytes fall, as in a Basic header', () => {
    for (const user of ['a', 'ab', 'abc']) {
      const header = `authorization: Basic ${Buffer.from(`${user}:${SECRET.value}`).toString('base64')}`;
      assert.deepEqual(found(header), ['base64'], `after "${user}:"`);
    }
    assert.deepEqual(found(Buffer.from(`x${SECRET.value}`).toString('base64url')).length, 1);
  });

  it('finds nothing in text without the secret, nor a secret shorter than 8 characters', () => {
    assert.deepEqual(found(`xoxb-planted-012345678 ${'noise '.repeat(1000)}`), []);
    const short = createScanner([{ name: 'short', value: 'admin' }]);
    assert.deepEqual(short.scan(Buffer.from('admin admin')), []);
    assert.equal(short.ignored, 1);
    assert.ok(formsOf('12345678').every((f) => f.text.length >= 8));
  });

  it('fails a record with a planted secret, naming the file and the secret but not showing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-scan-test-'));
    try {
      mkdirSync(join(dir, RECORD.secrets));
      mkdirSync(join(dir, RECORD.logs));
      writeFileSync(join(dir, RECORD.secrets, '1.jsonl'), `${JSON.stringify(SECRET)}\n${JSON.stringify({ name: 'short', value: 'pw' })}\n`);
      writeFileSync(join(dir, RECORD.logs, 'clean.log'), '{"msg":"nothing to see"}\n');
      writeFileSync(join(dir, RECORD.logs, 'leaky.log'), `{"msg":"slack said no","token":"${SECRET.value}"}\n`);
      const report = scanRecord(dir);
      assert.equal(summaryOf(report), `secrets: 1 secrets (1 shorter than 8 characters ignored), 2 files, ${report.bytes} bytes scanned, 1 found`);
      assert.deepEqual(report.hits.map((h) => [h.file, h.name]), [[join(RECORD.logs, 'leaky.log'), 'SLACK_BOT_TOKEN']]);
      assert.ok(!hitLines(report).join('\n').includes(SECRET.value), 'the report does not show the secret');
      assert.match(hitLines(report)[0] ?? '', /"token":"\[SLACK_BOT_TOKEN\]"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
