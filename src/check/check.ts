import type { Approver } from '../approvals/schema.ts';
import { checkApprovers } from './approvers.ts';
import { finding, sortFindings, type CheckedFile, type CheckReport, type FileKind, type Finding, type SkippedCheck } from './finding.ts';
import { isCaseFile, isPolicyFile, isYaml } from '../policies/file-names.ts';
import { isPrompt, readFolder, readOptional, type RepositoryLayout } from './layout.ts';
import { checkPolicies } from './policies.ts';
import { checkPrompts } from './prompts.ts';
import { checkReferences, type ApproverSource } from './references.ts';
import { checkServices, jobsOf, neverReported, type LocatedService } from './services.ts';
import type { SourceFile } from './yaml-findings.ts';

/** Which jobs sources have reported: a lookup (the store, an exported history), or why there is none. */
export type JobHistory =
  | { kind: 'lookup'; reported(jobs: readonly string[]): Promise<ReadonlySet<string>> }
  | { kind: 'none'; reason: string };

export interface CheckOptions {
  /** `MEDIC_APPROVERS`, when it lists any: the approvers when the repository has no approvers file. */
  envApprovers: readonly Approver[] | undefined;
  /** The prompts Medic ships, for `run_agent` when the repository has no prompts folder. */
  shippedPrompts: string;
  history: JobHistory;
}

const skip = (skipped: SkippedCheck[], s: SkippedCheck, file: string): Finding => {
  skipped.push(s);
  return finding('check-skipped', { file, line: 1, column: 1, path: [], message: `${s.rule} not checked: ${s.reason}` });
};

async function jobFindings(services: readonly LocatedService[], history: JobHistory, folder: string, skipped: SkippedCheck[]): Promise<Finding[]> {
  if (services.length === 0) return [];
  if (history.kind === 'none') return [skip(skipped, { rule: 'job-never-reported', reason: history.reason }, folder)];
  const jobs = [...new Set(services.flatMap((s) => jobsOf(s).map((j) => j.job)))];
  return neverReported(services, await history.reported(jobs));
}

function approverSource(file: SourceFile | null, fromFile: readonly Approver[], env: readonly Approver[] | undefined): ApproverSource {
  if (file) return { approvers: fromFile, from: { kind: 'file', file: file.file } };
  return env ? { approvers: env, from: { kind: 'environment' } } : { approvers: [], from: { kind: 'none' } };
}

/**
 * Checks a configuration repository as a whole: every file on its own (each fault with its
 * position), then what files name in one another — services, approver groups, prompts — and
 * whether sources have ever reported the services' jobs.
 */
export async function checkRepository(layout: RepositoryLayout, options: CheckOptions): Promise<CheckReport> {
  const [policyFiles, caseFiles, serviceFiles, promptFiles, approversFile] = await Promise.all([
    readFolder(layout.policies, isPolicyFile),
    readFolder(layout.policies, isCaseFile),
    readFolder(layout.services, isYaml),
    readFolder(layout.prompts, isPrompt),
    readOptional(layout.approvers),
  ]);
  if (!policyFiles && !serviceFiles && !promptFiles && !approversFile) {
    const message = `no Medic configuration here: none of ${layout.policies}/, ${layout.services}/, ${layout.prompts}/, ${layout.approvers}`;
    return { root: layout.root, files: [], skipped: [], findings: [finding('no-configuration', { file: layout.root, line: 1, column: 1, path: [], message })] };
  }
  const policies = checkPolicies(policyFiles ?? [], caseFiles ?? []);
  const services = checkServices(serviceFiles ?? []);
  const prompts = checkPrompts(promptFiles ?? []);
  const shipped = promptFiles ? null : checkPrompts(await readFolder(options.shippedPrompts, isPrompt) ?? []).ids;
  const approvers = approversFile ? checkApprovers(approversFile) : { findings: [], approvers: [] };
  const skipped: SkippedCheck[] = [];
  const findings = [...policies.findings, ...services.findings, ...prompts.findings, ...approvers.findings];
  findings.push(...checkReferences(policies.policies, {
    services: serviceFiles ? services.services.map((s) => s.service.name) : null,
    prompts: shipped ?? prompts.ids,
    approvers: approverSource(approversFile, approvers.approvers, options.envApprovers),
  }));
  if (!serviceFiles && policies.policies.some((p) => p.policy.match.services)) {
    findings.push(skip(skipped, { rule: 'unknown-service', reason: `there is no services folder (${layout.services}) to check match.services against` }, layout.services));
  }
  findings.push(...await jobFindings(services.services, options.history, layout.services, skipped));
  const files: CheckedFile[] = [
    ...kinded(policyFiles, 'policies'), ...kinded(caseFiles, 'policy-tests'), ...kinded(serviceFiles, 'services'),
    ...kinded(promptFiles, 'prompt'), ...kinded(approversFile ? [approversFile] : null, 'approvers'),
  ];
  return { root: layout.root, files, findings: sortFindings(findings), skipped };
}

const kinded = (files: readonly SourceFile[] | null, kind: FileKind): CheckedFile[] => (files ?? []).map((f) => ({ file: f.file, kind }));
