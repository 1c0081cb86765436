import { basename } from 'node:path';
import { FrontMatter } from '../agent/prompts.ts';
import { locateInYaml } from '../policies/locate.ts';
import { parseYamlFile } from '../yaml-file.ts';
import { finding, type Finding } from './finding.ts';
import { issueFindings, type SourceFile } from './yaml-findings.ts';

/** One prompt file as Medic loads it (`agent/prompts.ts`): every fault, and its id when it has one. */
function checkPrompt(source: SourceFile): { findings: Finding[]; id: string | null } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(source.text);
  if (!m) return { findings: [finding('yaml-syntax', { file: source.file, line: 1, column: 1, path: [], message: 'a prompt starts with a front matter between --- lines' })], id: null };
  const head = m[1] ?? '';
  // The front matter starts on the line after the first ---.
  const parsed = parseYamlFile(head, FrontMatter);
  if (parsed.kind === 'invalid') return { findings: issueFindings(source, parsed.issues, 1), id: null };
  const front = parsed.values[0];
  if (!front) return { findings: [finding('wrong-type', { file: source.file, line: 2, column: 1, path: [], message: 'the front matter is empty: give id, version and description' })], id: null };
  const findings: Finding[] = [];
  const idAt = locateInYaml(head, ['id']) ?? { line: 1, column: 1 };
  const expected = `${front.id}.v${front.version}.md`;
  if (basename(source.file) !== expected) {
    findings.push(finding('prompt-name', { file: source.file, line: idAt.line + 1, column: idAt.column, path: ['id'], message: `the file must be named ${expected} after its front matter` }));
  }
  if ((m[2] ?? '').trim() === '') {
    const line = head.split('\n').length + 3;
    findings.push(finding('prompt-name', { file: source.file, line, column: 1, path: [], message: 'the prompt is empty' }));
  }
  return { findings, id: front.id };
}

/** Checks prompt files; the ids of those that load. */
export function checkPrompts(files: readonly SourceFile[]): { findings: Finding[]; ids: Set<string> } {
  const results = files.map(checkPrompt);
  return { findings: results.flatMap((r) => r.findings), ids: new Set(results.flatMap((r) => (r.id === null ? [] : [r.id]))) };
}
