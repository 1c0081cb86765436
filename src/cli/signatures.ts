import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createMiner } from '../signatures/template-miner.ts';
import { mineLines } from '../signatures/mine-lines.ts';
import { configOrExit, quiet } from './config.ts';

export function registerSignatures(program: Command): void {
  const signatures = program.command('signatures').description('failure signatures');
  signatures.command('mine')
    .description('read messages one per line on stdin; write cluster_id<TAB>template for each, in order')
    .action(async () => {
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      const out: string[] = [];
      const flush = () => {
        if (out.length) process.stdout.write(out.join(''));
        out.length = 0;
      };
      await mineLines(lines, (line) => {
        out.push(`${line}\n`);
        if (out.length >= 4_096) flush();
      }, createMiner());
      flush();
    });

  program.command('reindex').description('re-embed every signature with the configured embedder')
    .action(async () => {
      const [{ embedderFor, openRuntime }, { reindex }] = await Promise.all([import('../runtime.ts'), import('../signatures/embedder-state.ts')]);
      const config = quiet(configOrExit());
      const runtime = await openRuntime(config, { allowStaleEmbeddings: true });
      try {
        const result = await reindex(runtime.deps.pool, embedderFor(config));
        console.log(`re-embedded ${result.signatures} signatures with ${runtime.deps.embedder.id}`);
      } finally {
        await runtime.close();
      }
    });
}
