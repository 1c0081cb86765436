import type { CheckReport, Level } from './finding.ts';
import { described } from './format-text.ts';

const COMMAND: Record<Level, string> = { error: 'error', warning: 'warning', note: 'notice' };

/** A workflow command's message: `%`, CR and LF escaped, as the GitHub Actions runner reads them. */
export const escapeData = (s: string) => s.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');

/** A workflow command's property value: its message's escapes, and `:` and `,`, which separate properties. */
export const escapeProperty = (s: string) => escapeData(s).replaceAll(':', '%3A').replaceAll(',', '%2C');

/** One annotation line a finding: `::error file=F,line=L,col=C,title=RULE::MESSAGE`. */
export function formatGithub(report: CheckReport): string {
  return report.findings.map((f) => {
    const props = [`file=${escapeProperty(f.file)}`, `line=${f.line}`, `col=${f.column}`, `title=${escapeProperty(f.rule)}`].join(',');
    return `::${COMMAND[f.level]} ${props}::${escapeData(described(f))}\n`;
  }).join('');
}
