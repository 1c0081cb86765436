import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { decide } from '../decide/decide.ts';
import { patient } from '../decide/patient.ts';
import { DecisionInput } from '../decide/schema.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';

/** The body of `POST /v1/decide`. */
const Wrapped = z.strictObject({ input: DecisionInput });

/**
 * Reads one decision input, `{"input": …}` as the endpoint takes it or the bare input (an object
 * with `input` is taken for the first); when it is not JSON or not an input, each fault with its path.
 */
export function parseDecideText(text: string): { kind: 'ok'; input: DecisionInput } | { kind: 'invalid'; faults: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { kind: 'invalid', faults: [`(document): not JSON: ${(err as Error).message}`] };
  }
  const wrapped = typeof json === 'object' && json !== null && 'input' in json;
  const parsed = wrapped ? Wrapped.safeParse(json) : DecisionInput.transform((input) => ({ input })).safeParse(json);
  if (parsed.success) return { kind: 'ok', input: parsed.data.input };
  return { kind: 'invalid', faults: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerDecide(program: Command): void {
  program.command('decide').argument('[file]', 'a JSON decision input, {"input": …} or the bare input; - or none for stdin', '-')
    .description('decide about one failure or preflight through the decision endpoint\'s path (logged like it)')
    .action(async (file: string) => {
      const parsed = parseDecideText(file === '-' ? await readStdin() : await readFile(file, 'utf8'));
      if (parsed.kind === 'invalid') {
        for (const f of parsed.faults) console.error(`${file === '-' ? 'stdin' : file}: ${f}`);
        process.exitCode = 2;
        return;
      }
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        console.log(JSON.stringify(await decide(patient(runtime.deps), parsed.input), null, 2));
      } finally {
        await runtime.close();
      }
    });
}
