import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { parseYamlFile } from '../../src/yaml-file.ts';

const Schema = z.object({ a: z.unknown() });

describe('a YAML file', () => {
  it('reports an alias to an anchor never set as an issue with its position, not an exception', () => {
    const parsed = parseYamlFile('a: 1\n---\nb: *nowhere\n', Schema);
    assert.equal(parsed.kind, 'invalid');
    assert.ok(parsed.kind === 'invalid' && parsed.issues.some((i) => i.line === 3 && /Unresolved alias/.test(i.message)), JSON.stringify(parsed));
  });

  it('refuses a file that expands aliases without bound (a billion laughs) as an issue', () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) laughs.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
    const parsed = parseYamlFile(laughs.join('\n'), Schema);
    assert.equal(parsed.kind, 'invalid', 'expanded instead of refused');
  });
});
