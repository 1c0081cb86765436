import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicySet } from '../../src/policies/load.ts';
import { changesNothing, compareSets } from '../../src/policies/revision-changes.ts';

function set(text: string) {
  const parsed = parsePolicySet([{ name: 'p.yaml', text }]);
  assert.equal(parsed.kind, 'ok');
  return parsed.kind === 'ok' ? parsed : { policies: [], classes: [] };
}

describe('what a candidate policy set changes', () => {
  it('names policies and classes added, removed and changed, and counts the rest', () => {
    const before = set('classes:\n  - {name: net, examples: [connection refused]}\npolicies:\n  - {id: a, description: d, action: {kind: notify}}\n  - {id: b, description: d, action: {kind: retry}}\n  - {id: c, description: d, action: {kind: notify}}\n');
    const after = set('classes:\n  - {name: net, examples: [connection reset]}\npolicies:\n  - {id: a, description: d, action: {kind: notify}}\n  - {id: b, description: d, action: {kind: retry, delay_s: 30}}\n  - {id: d, description: d, action: {kind: notify}}\n');
    assert.deepEqual(compareSets(before, after), {
      added: ['d'], removed: ['c'], changed: ['b'], unchanged: 1, classes: { added: [], removed: [], changed: ['net'] },
    });
  });

  it('finds no change where only the order of fields, comments or defaults written out differ', () => {
    const before = set('policies:\n  - {id: a, description: d, action: {kind: retry, delay_s: 60}}\n');
    const after = set('# the same rule\npolicies:\n  - action: {delay_s: 60, kind: retry}\n    description: d\n    priority: 0\n    id: a\n');
    assert.ok(changesNothing(compareSets(before, after)));
  });
});
