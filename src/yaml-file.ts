import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { z } from 'zod';

/** One thing wrong in a YAML file: where (line, column, field path) and what. */
export interface FileIssue {
  line: number;
  column: number;
  path: (string | number)[];
  message: string;
}

export type ParsedFile<T> =
  | { kind: 'ok'; values: T[] }
  | { kind: 'invalid'; issues: FileIssue[] };

/** The line and column of the node at `path`, or of its nearest ancestor that exists. */
function locate(doc: Document, counter: LineCounter, path: (string | number)[]): { line: number; column: number } {
  const at = (offset: number) => {
    const p = counter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return at(node.range[0]);
  }
  return doc.contents?.range ? at(doc.contents.range[0]) : { line: 1, column: 1 };
}

/**
 * Reads every YAML document of a file (documents separated by `---`) through `schema`; every
 * fault, of syntax or of content, is reported with its line, column and field path.
 */
export function parseYamlFile<S extends z.ZodType>(text: string, schema: S): ParsedFile<z.infer<S>> {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  const issues: FileIssue[] = [];
  const values: z.infer<S>[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    for (const e of doc.errors) {
      const pos = counter.linePos(e.pos[0]);
      issues.push({ line: pos.line, column: pos.col, path: [], message: e.message.split('\n')[0] ?? e.message });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    let value: unknown;
    try {
      // An alias to an anchor never set, or more aliases than a sane file holds (a "billion laughs"), fails here rather than in the parse.
      value = doc.toJS({ maxAliasCount: 1_000 });
    } catch (err) {
      const pos = counter.linePos(doc.contents.range[0]);
      issues.push({ line: pos.line, column: pos.col, path: [], message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) {
      values.push(parsed.data);
      continue;
    }
    for (const i of parsed.error.issues) {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      issues.push({ ...locate(doc, counter, path), path, message: i.message });
    }
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', values };
}
