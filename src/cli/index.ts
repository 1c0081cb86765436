import { Command } from 'commander';
import { COMMAND_MODULES, type CommandModule } from './commands.ts';

const program = () => new Command('medic')
  .description('Shared memory and judgement for the schedulers you already run')
  .showHelpAfterError();

/** The command a command line runs: its first word that is not an option (`help X` asks about X). */
function commandOf(argv: string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Builds the `medic` command line. With `only`, the module that defines that command is loaded
 * and the others are listed by name and description; without it, every module is loaded.
 */
export async function buildCli(only?: string): Promise<Command> {
  const cli = program();
  const owner = only === undefined ? undefined : COMMAND_MODULES.find((m) => only in m.commands);
  const load = (m: CommandModule) => only === undefined || m === owner;
  for (const m of COMMAND_MODULES) {
    if (load(m)) (await m.load())(cli);
    else for (const [name, description] of Object.entries(m.commands)) cli.command(name).description(description).allowUnknownOption().allowExcessArguments();
  }
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  try {
    // Help, an unknown command or none: list every command without loading any.
    await (await buildCli(commandOf(argv) ?? '')).parseAsync(argv);
  } catch (err) {
    process.stderr.write(`medic: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
