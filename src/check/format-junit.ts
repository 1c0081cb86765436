import { RULES_FOR, type CheckReport, type Finding, type Rule } from './finding.ts';
import { described } from './format-text.ts';

/**
 * Text fit for XML: the five special characters escaped, and the characters XML 1.0 cannot hold
 * (controls other than tab, LF and CR, lone surrogates, U+FFFE and U+FFFF) dropped.
 */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;');
}

// Line breaks and tabs in an attribute would be read back as spaces.
const attr = (v: string) => escapeXml(v).replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');
const attrs = (a: Record<string, string | number>) => Object.entries(a).map(([k, v]) => ` ${k}="${attr(String(v))}"`).join('');
const line = (f: Finding) => `${f.file}:${f.line}:${f.column} ${f.level} ${described(f)}`;

interface Case { rule: Rule; xml: string; failed: boolean; skipped: boolean }

/** One rule on one file: failed by its errors, skipped when it could not run, passed otherwise (warnings and notes as output). */
function testCase(file: string, rule: Rule, findings: readonly Finding[], skipReason: string | undefined): Case {
  const errors = findings.filter((f) => f.level === 'error');
  const others = findings.filter((f) => f.level !== 'error');
  const open = `    <testcase${attrs({ classname: file, name: rule, file })}`;
  const out = others.length ? `      <system-out>${escapeXml(others.map(line).join('\n'))}</system-out>\n` : '';
  if (errors.length) {
    const first = errors[0] as Finding;
    const failure = `      <failure${attrs({ type: rule, message: errors.length === 1 ? described(first) : `${errors.length} errors, the first: ${described(first)}` })}>${escapeXml(errors.map(line).join('\n'))}</failure>\n`;
    return { rule, failed: true, skipped: false, xml: `${open}>\n${failure}${out}    </testcase>` };
  }
  if (skipReason !== undefined && findings.length === 0) {
    return { rule, failed: false, skipped: true, xml: `${open}>\n      <skipped${attrs({ message: skipReason })}/>\n    </testcase>` };
  }
  return { rule, failed: false, skipped: false, xml: out ? `${open}>\n${out}    </testcase>` : `${open}/>` };
}

/** Every file the report knows of, each with the rules it was checked against. */
function suitesOf(report: CheckReport): { file: string; rules: Rule[] }[] {
  const suites = new Map<string, Set<Rule>>();
  for (const f of report.files) suites.set(f.file, new Set(RULES_FOR[f.kind]));
  for (const f of report.findings) (suites.get(f.file) ?? suites.set(f.file, new Set()).get(f.file))?.add(f.rule);
  return [...suites].map(([file, rules]) => ({ file, rules: [...rules] })).sort((a, b) => a.file.localeCompare(b.file));
}

/** JUnit XML: a test suite a file, a test case a check on it; errors are failures. */
export function formatJunit(report: CheckReport): string {
  const skips = new Map(report.skipped.map((s) => [s.rule, s.reason]));
  const suites = suitesOf(report).map(({ file, rules }) => {
    const cases = rules.map((rule) => testCase(file, rule, report.findings.filter((f) => f.file === file && f.rule === rule), skips.get(rule)));
    const counts = { tests: cases.length, failures: cases.filter((c) => c.failed).length, errors: 0, skipped: cases.filter((c) => c.skipped).length };
    return { counts, xml: `  <testsuite${attrs({ name: file, ...counts })}>\n${cases.map((c) => c.xml).join('\n')}\n  </testsuite>` };
  });
  const sum = (k: 'tests' | 'failures' | 'skipped') => suites.reduce((n, s) => n + s.counts[k], 0);
  const totals = { name: 'medic check', tests: sum('tests'), failures: sum('failures'), errors: 0, skipped: sum('skipped') };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${attrs(totals)}>\n${suites.map((s) => s.xml).join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}
