import { parseYamlFile, type FileIssue } from '../yaml-file.ts';
import { ServiceDefinition } from './schema.ts';

/** One thing wrong in a service file: where (line, column, field path) and what. */
export type ServiceFileIssue = FileIssue;

export type ParsedServices =
  | { kind: 'ok'; services: ServiceDefinition[] }
  | { kind: 'invalid'; issues: ServiceFileIssue[] };

/**
 * Reads one or more service definitions from YAML (several documents separated by `---`),
 * validating each; every fault is reported with its line, column and field path.
 */
export function parseServiceFile(text: string): ParsedServices {
  const parsed = parseYamlFile(text, ServiceDefinition);
  return parsed.kind === 'ok' ? { kind: 'ok', services: parsed.values } : parsed;
}
