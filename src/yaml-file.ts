import { isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { z } from 'zod';

/** One thing wrong in a YAML file: where (line, column, field path) and what. */
export interface FileIssue {
  line: number;
  column: number;
  path: (string | number)[];
  message: string;
  /**
   * What kind of fault: the YAML parser's error code (`DUPLICATE_KEY`, `BAD_INDENT` …),
   * `ALIAS_CYCLE` for an alias inside the node it names, or zod's issue code (`invalid_type`,
   * `unrecognized_keys` …; a custom issue's `params.code` when it gives one).
   */
  code?: string;
}

export type ParsedFile<T> =
  | { kind: 'ok'; values: T[] }
  | { kind: 'invalid'; issues: FileIssue[] };

type Ranged = { range?: [number, number, number] | null };

/** The line and column of the node at `path`, or of its nearest ancestor that exists. */
function locate(doc: Document, counter: LineCounter, path: (string | number)[]): { line: number; column: number } {
  const at = (offset: number) => {
    const p = counter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as Ranged | undefined;
    if (node && typeof node === 'object' && node.range) return at(node.range[0]);
  }
  return doc.contents?.range ? at(doc.contents.range[0]) : { line: 1, column: 1 };
}

/** Where the key `key` of the map at `path` is written, so that an unknown field points at itself. */
function locateKey(doc: Document, counter: LineCounter, path: (string | number)[], key: string): { line: number; column: number } {
  const map = doc.getIn(path, true);
  const pair = isMap(map) ? map.items.find((p) => isScalar(p.key) && String(p.key.value) === key) : undefined;
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  if (!range) return locate(doc, counter, path);
  const p = counter.linePos(range[0]);
  return { line: p.line, column: p.col };
}

const within = (node: unknown, offset: number) => {
  const range = (node as Ranged | null)?.range;
  return !!range && offset >= range[0] && offset < range[2];
};

/** The field path of the deepest node at `offset`: where a parser error is, as a field. */
function pathAt(node: unknown, offset: number, path: (string | number)[] = []): (string | number)[] {
  if (isSeq(node)) {
    const i = node.items.findIndex((item) => within(item, offset));
    return i < 0 ? path : pathAt(node.items[i], offset, [...path, i]);
  }
  if (!isMap(node)) return path;
  for (const pair of node.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const key = typeof pair.key.value === 'number' ? pair.key.value : String(pair.key.value);
    if (within(pair.key, offset)) return [...path, key];
    if (within(pair.value, offset)) return pathAt(pair.value, offset, [...path, key]);
  }
  return path;
}

/** Aliases written inside the node they name: the document would be infinite. */
function aliasCycles(doc: Document, counter: LineCounter): FileIssue[] {
  const issues: FileIssue[] = [];
  visit(doc, {
    Alias(_key, alias) {
      const target = alias.resolve(doc) as Ranged | undefined;
      const [start] = alias.range ?? [0];
      if (!target?.range || start < target.range[0] || start >= target.range[2]) return;
      const p = counter.linePos(start);
      issues.push({ line: p.line, column: p.col, path: [], code: 'ALIAS_CYCLE', message: `the alias *${alias.source} is inside the node it names: a cycle` });
    },
  });
  return issues;
}

/** zod's issues as file issues: an unknown field is one issue for each key, at the key. */
function schemaIssues(doc: Document, counter: LineCounter, error: z.ZodError): FileIssue[] {
  return error.issues.flatMap((i): FileIssue[] => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((key) => ({ ...locateKey(doc, counter, path, key), path: [...path, key], code: i.code, message: `Unrecognized key: "${key}"` }));
    }
    const code = i.code === 'custom' && typeof i.params?.['code'] === 'string' ? i.params['code'] : i.code;
    return [{ ...locate(doc, counter, path), path, code, message: i.message }];
  });
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
      const path = pathAt(doc.contents, e.pos[0]);
      const message = e.code === 'DUPLICATE_KEY' && path.length ? `the key "${path[path.length - 1]}" is given twice` : e.message.split('\n')[0] ?? e.message;
      issues.push({ line: pos.line, column: pos.col, path, code: e.code, message });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    const cycles = aliasCycles(doc, counter);
    issues.push(...cycles);
    if (cycles.length > 0) continue;
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
    if (parsed.success) values.push(parsed.data);
    else issues.push(...schemaIssues(doc, counter, parsed.error));
  }
  return issues.length ? { kind: 'invalid', issues } : { kind: 'ok', values };
}
