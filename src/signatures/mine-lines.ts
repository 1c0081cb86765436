import type { Miner } from './template-miner.ts';

/**
 * The `medic signatures mine` contract: for each input line, in order, one output line
 * `cluster_id<TAB>template`. Tabs and newlines inside a template are written as spaces so that
 * every output line stays one record.
 */
export async function mineLines(lines: AsyncIterable<string>, write: (line: string) => void, miner: Miner): Promise<number> {
  let n = 0;
  for await (const line of lines) {
    const r = miner.add(line);
    write(`${r.clusterId}\t${r.template.replace(/[\t\r\n]/g, ' ')}`);
    n++;
  }
  return n;
}
