import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULTS } from './faults.ts';

describe('the fault campaign', () => {
  for (const fault of FAULTS) {
    it(`survives: ${fault.name}`, { skip: fault.skip() ?? false }, async () => {
      const report = await fault.run({ scale: 1 });
      assert.ok(report.survived, `${report.notes.join('\n')}\ncounts: ${JSON.stringify(report.counts)}`);
    });
  }
});
