import type { Embedder } from '../signatures/embedder.ts';
import { caseContext } from './case-context.ts';
import type { LocatedCase } from './case-files.ts';
import type { Expect } from './cases.ts';
import { evaluate, type Decision } from './engine.ts';
import type { PolicySet } from './load.ts';

/** One field where the decision is not what the case expects. */
export interface Difference {
  field: keyof Expect;
  expected: string;
  decided: string;
}

export interface CaseResult {
  file: string;
  line: number;
  name: string;
  passed: boolean;
  differences: Difference[];
  decision: Decision;
}

const show = (v: unknown) => (v === null || v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

/** The fields of `expect` the decision does not meet; none when the case passes. */
export function compareDecision(expect: Expect, d: Decision): Difference[] {
  const out: Difference[] = [];
  const differ = (field: keyof Expect, expected: unknown, decided: unknown) => {
    if (expected !== undefined && expected !== decided) out.push({ field, expected: show(expected), decided: show(decided) });
  };
  differ('action', expect.action, d.action.kind);
  differ('policy_id', expect.policy_id, d.policyId);
  differ('delay_s', expect.delay_s, d.delayS);
  differ('requires_approval', expect.requires_approval, d.requiresApproval);
  differ('guardrail', expect.guardrail, d.guardrail?.kind ?? null);
  differ('proposed', expect.proposed, d.proposed?.kind ?? null);
  if (expect.shadow) {
    const want = [...expect.shadow].sort().join(', ');
    differ('shadow', want === '' ? '(none)' : want, d.shadow.map((s) => s.policy_id).sort().join(', ') || '(none)');
  }
  if (expect.reason_matches !== undefined && !new RegExp(expect.reason_matches, 'i').test(d.reason)) {
    out.push({ field: 'reason_matches', expected: `/${expect.reason_matches}/i`, decided: d.reason });
  }
  return out;
}

/**
 * Runs each case through the policy engine, as the decision endpoint would decide with what the
 * case says Medic knows. No store, no clock: the same cases always give the same results.
 */
export async function runCases(set: PolicySet, cases: readonly LocatedCase[], embedder: Embedder): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const { file, line, case: c } of cases) {
    const decision = evaluate(set.policies, c.input, await caseContext(c, set, embedder));
    const differences = compareDecision(c.expect, decision);
    results.push({ file, line, name: c.name, passed: differences.length === 0, differences, decision });
  }
  return results;
}
