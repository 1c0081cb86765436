import { z } from 'zod';
import { Approver } from '../approvals/schema.ts';
import { parseYamlFile } from '../yaml-file.ts';
import { finding, type Finding } from './finding.ts';
import { documentsOf, issueFindings, locateNearest, type SourceFile } from './yaml-findings.ts';

/** `approvers.yaml`: the list `MEDIC_APPROVERS` holds, written as YAML (JSON is YAML too). */
export const ApproversFile = z.array(Approver);

/**
 * Checks an approvers file: each approver's fields, and names given twice. The approvers that
 * parse are returned, for the policies' groups to be checked against.
 */
export function checkApprovers(source: SourceFile): { findings: Finding[]; approvers: Approver[] } {
  const parsed = parseYamlFile(source.text, ApproversFile);
  const findings = parsed.kind === 'invalid' ? issueFindings(source, parsed.issues) : [];
  const approvers: Approver[] = [];
  const seen = new Set<string>();
  documentsOf(source.text).forEach((value, doc) => {
    (Array.isArray(value) ? value : []).forEach((raw, index) => {
      const one = Approver.safeParse(raw);
      if (!one.success) return;
      if (seen.has(one.data.name)) {
        findings.push(finding('duplicate-id', { file: source.file, ...locateNearest(source.text, [index, 'name'], doc), path: [index, 'name'], message: `the approver "${one.data.name}" is listed twice` }));
      }
      seen.add(one.data.name);
      approvers.push(one.data);
    });
  });
  return { findings, approvers };
}
