import { countLevels, RULE_IDS, type CheckReport } from './finding.ts';

/** The version of the JSON shape below; a change that could break a reader makes a new one. */
export const JSON_FORMAT_VERSION = 1;

/** The report as one JSON document: the shape `JSON_REPORT_SCHEMA` describes. */
export function formatJson(report: CheckReport): string {
  const c = countLevels(report.findings);
  return `${JSON.stringify({
    version: JSON_FORMAT_VERSION,
    root: report.root,
    summary: { files: report.files.length, errors: c.error, warnings: c.warning, notes: c.note },
    files: report.files,
    skipped: report.skipped,
    findings: report.findings,
  }, null, 2)}\n`;
}

const Rule = { enum: RULE_IDS };
const Text = { type: 'string' };
const Count = { type: 'integer', minimum: 0 };
const Position = { type: 'integer', minimum: 1 };
const object = (properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });

/** JSON Schema (draft-07) of `medic check --format json`. */
export const JSON_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'medic check report',
  ...object({
    version: { const: JSON_FORMAT_VERSION },
    root: Text,
    summary: object({ files: Count, errors: Count, warnings: Count, notes: Count }),
    files: { type: 'array', items: object({ file: Text, kind: { enum: ['policies', 'policy-tests', 'services', 'prompt', 'approvers'] } }) },
    skipped: { type: 'array', items: object({ rule: Rule, reason: Text }) },
    findings: {
      type: 'array',
      items: object({
        level: { enum: ['error', 'warning', 'note'] },
        rule: Rule,
        file: Text,
        line: Position,
        column: Position,
        path: { type: 'array', items: { type: ['string', 'integer'] } },
        message: Text,
      }),
    },
  }),
} as const;
