import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { ServiceDefinition } from './schema.ts';

/** One thing wrong in a service file: where (line, column, field path) and what. */
export interface ServiceFileIssue {
  line: number;
  column: number;
  path: (string | number)[];
  message: string;
}

export type ParsedServices =
  | { kind: 'ok'; services: ServiceDefinition[] }
  | { kind: 'invalid'; issues: ServiceFileIssue[] };

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
 * Reads one or more service definitions from YAML (several documents separated by `---`),
 * validating each; every fault is reported with its line, column and field path.
 */
export function parseServiceFile(text: string): ParsedServices {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  const issues: ServiceFileIssue[] = [];
  const services: ServiceDefinition[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    for (const e of doc.errors) {
      const pos = counter.linePos(e.pos[0]);
      issues.push({ line: pos.line, column: pos.col, path: [], message: e.message.split('\n')[0] ?? e.message });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const parsed = ServiceDefinition.safeParse(doc.toJS());
    if (parsed.success) {
      services.push(parsed.data);
      continue;
    }
    for (const i of parsed.error.issues) {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      issues.push({ ...locate(doc, counter, path), path, message: i.message });
    }
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', services };
}
