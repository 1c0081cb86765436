import { z } from 'zod';
import { caseFileSchema } from './cases.ts';
import { PolicyFile } from './schema.ts';

/**
 * The JSON Schema of a policy file, for editors (`# yaml-language-server: $schema=…`). It
 * describes what may be written — defaults are optional — and checks shapes only: what spans
 * fields or files (a destructive action without an approval, an unknown class, regular
 * expressions that do not compile) is left to `medic policies check`.
 */
export function policyFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(PolicyFile, { io: 'input' }),
    title: 'Medic policy file',
    description: 'Policies (match → action, approval, guardrails) and incident classes; see `medic policies check`.',
  };
}

/** The JSON Schema of a `*.test.yaml` case file, likewise. */
export function caseFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(caseFileSchema(null), { io: 'input' }),
    title: 'Medic policy test cases',
    description: 'Decision inputs, what Medic would know around them, and what the policies must decide; see `medic policies test`.',
  };
}
