import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RULE_IDS, RULES, type CheckReport, type Finding, type Level } from './finding.ts';
import { described } from './format-text.ts';

/** The SARIF version written, and the schema that describes it. */
export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Level, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

/**
 * A file as a SARIF artifact location: a path relative to where `medic check` ran is relative to
 * the source root (as code scanning expects), an absolute one is a `file:` URI.
 */
function artifactOf(file: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: file.split(/[\\/]/).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function resultOf(f: Finding) {
  return {
    ruleId: f.rule,
    ruleIndex: RULE_IDS.indexOf(f.rule),
    level: LEVEL[f.level],
    message: { text: described(f) },
    locations: [{
      physicalLocation: { artifactLocation: artifactOf(f.file), region: { startLine: f.line, startColumn: f.column } },
      ...(f.path.length ? { logicalLocations: [{ fullyQualifiedName: f.path.join('.'), kind: 'member' }] } : {}),
    }],
    properties: { path: f.path },
  };
}

/** SARIF 2.1.0: one run of the tool `medic`, its rules with their default levels, a result a finding. */
export function formatSarif(report: CheckReport): string {
  const rules = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
    shortDescription: { text: RULES[id].summary },
    defaultConfiguration: { level: LEVEL[RULES[id].level] },
  }));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [{
      tool: { driver: { name: 'medic', rules } },
      columnKind: 'utf16CodeUnits',
      results: report.findings.map(resultOf),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
