import { LineCounter, parseAllDocuments } from 'yaml';

/**
 * Where the node at `path` starts in a YAML file: in the `doc`-th document with content (as
 * `parseYamlFile` numbers its values), or else the first document that has the path. Faults found
 * across files (a policy id used twice) and case results are reported with the line this gives.
 */
export function locateInYaml(text: string, path: readonly (string | number)[], doc?: number): { line: number; column: number } | undefined {
  const counter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: counter });
  const docs = (Array.isArray(parsed) ? parsed : [parsed]).filter((d) => d.contents !== null);
  const candidates = doc === undefined ? docs : docs.slice(doc, doc + 1);
  for (const d of candidates) {
    const node = d.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) {
      const p = counter.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return undefined;
}
