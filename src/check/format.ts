import type { CheckReport } from './finding.ts';
import { formatGithub } from './format-github.ts';
import { formatJson } from './format-json.ts';
import { formatJunit } from './format-junit.ts';
import { formatSarif } from './format-sarif.ts';
import { formatText } from './format-text.ts';

/** The formats `medic check --format` writes. @defaultValue text */
export const FORMATS = ['text', 'json', 'junit', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

export function formatReport(report: CheckReport, format: Format): string {
  switch (format) {
    case 'text': return formatText(report);
    case 'json': return formatJson(report);
    case 'junit': return formatJunit(report);
    case 'sarif': return formatSarif(report);
    case 'github': return formatGithub(report);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
