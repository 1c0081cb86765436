import { countLevels, type CheckReport, type Finding } from './finding.ts';

/** `policies.0.approval.groups.1`, or nothing for a finding about a whole file. */
export const pathText = (path: readonly (string | number)[]) => path.join('.');

/** What a finding says, with the field it is about: `policies.0.approval: a skip action …`. */
export const described = (f: Finding) => (f.path.length ? `${pathText(f.path)}: ${f.message}` : f.message);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line: `3 errors, 1 warning, 2 notes in 7 files`. */
export function summaryLine(report: CheckReport): string {
  const c = countLevels(report.findings);
  return `${plural(c.error, 'error')}, ${plural(c.warning, 'warning')}, ${plural(c.note, 'note')} in ${plural(report.files.length, 'file')}`;
}

/** A line a finding, as editors and terminals link them (`file:line:column level rule path: message`), then the summary. */
export function formatText(report: CheckReport): string {
  const lines = report.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.level} ${f.rule} ${described(f).trim().replace(/\s*[\r\n]+\s*/g, ' ')}`);
  return [...lines, ...(lines.length ? [''] : []), summaryLine(report), ''].join('\n');
}
