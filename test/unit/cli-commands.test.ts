import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { COMMAND_MODULES } from '../../src/cli/commands.ts';
import { buildCli } from '../../src/cli/index.ts';

describe('the command list', () => {
  it('names each module\'s commands with the descriptions the module gives them', async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command();
      (await m.load())(program);
      assert.deepEqual(Object.fromEntries(program.commands.map((c) => [c.name(), c.description()])), m.commands);
    }
  });

  it('owns each command once, and loads only the module of the command that runs', async () => {
    const names = COMMAND_MODULES.flatMap((m) => Object.keys(m.commands));
    assert.equal(new Set(names).size, names.length);
    const only = await buildCli('incidents');
    assert.deepEqual(only.commands.map((c) => c.name()), names);
    assert.ok(only.commands.find((c) => c.name() === 'incidents')?.options.some((o) => o.long === '--status'), 'the running command is the real one');
    assert.equal(only.commands.find((c) => c.name() === 'runs')?.options.length, 0, 'the others are listed only');
    const all = await buildCli();
    assert.ok(all.commands.find((c) => c.name() === 'runs')?.options.length);
  });
});
