import type { Command } from 'commander';
import { runCases, type CaseResult } from '../policies/case-runner.ts';
import { checkFolder, formatIssue } from '../policies/check.ts';
import { caseFileJsonSchema, policyFileJsonSchema } from '../policies/json-schema.ts';
import { loadPolicySet, policyFiles, type PolicySet } from '../policies/load.ts';
import { embedderFor } from '../runtime.ts';
import { createHashingEmbedder } from '../signatures/embedder.ts';
import { registerProposals } from './audit.ts';
import { registerBacktest } from './policies-backtest.ts';
import { registerDiff } from './policies-diff.ts';
import { configOrExit } from './config.ts';
import { storedActive } from './policies-active.ts';
import { policiesDir } from './policies-dir.ts';
import { registerRevisions } from './policies-revisions.ts';
import { clip, shortTime, table } from './table.ts';

/** Loads and checks a folder; prints every fault and sets exit code 1 when there is one. */
async function checked(dir: string, embedder = createHashingEmbedder()) {
  const r = await checkFolder(dir, embedder).catch((err: unknown) => {
    console.error(`${dir}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  if (r?.kind === 'invalid') for (const i of r.issues) console.error(formatIssue(i, dir));
  if (r?.kind !== 'ok') process.exitCode = 1;
  return r?.kind === 'ok' ? r : undefined;
}

const approvalOf = (p: PolicySet['policies'][number]) => {
  const a = p.approval;
  return a.kind === 'none' ? 'none' : a.kind === 'one_of' ? `one of ${a.groups.join(', ')}` : `${a.count} of ${a.groups.join(', ')}`;
};

/** The policies in evaluation order. */
export function renderPolicies(set: PolicySet): string {
  return table(['priority', 'id', 'on', 'mode', 'action', 'approval'],
    set.policies.map((p) => [p.priority, p.id, p.on, p.mode, p.action.kind, approvalOf(p)]));
}

/** One line a case, what differed under a failed one, and the summary. */
export function renderCaseResults(results: readonly CaseResult[]): string {
  const lines: string[] = [];
  let file = '';
  for (const r of results) {
    if (r.file !== file) lines.push(`${lines.length ? '\n' : ''}${r.file}`);
    file = r.file;
    lines.push(`  ${r.passed ? '✓' : '✗'} ${r.name}`);
    if (r.passed) continue;
    for (const d of r.differences) lines.push(`      ${d.field}: expected ${d.expected}, decided ${d.decided}`);
    lines.push(`      at ${r.file}:${r.line}; the reason given: ${clip(r.decision.reason, 160)}`);
  }
  const failed = results.filter((r) => !r.passed).length;
  lines.push('', failed ? `${failed} of ${results.length} cases failed` : `all ${results.length} cases passed`);
  return lines.join('\n');
}

export function registerPolicies(program: Command): void {
  const policies = program.command('policies').description('the loaded policies (list; check, test, schema, backtest, diff)')
    .action(async () => {
      const dir = policiesDir(undefined);
      const stored = await storedActive(configOrExit()).catch((err: unknown) => {
        console.error(`the store was not read (${err instanceof Error ? err.message : String(err)}): the folder follows`);
        return { kind: 'none' as const };
      });
      if (stored.kind === 'invalid') {
        for (const i of stored.issues) console.error(`revision ${stored.activation.revision_id}: ${formatIssue(i)}`);
        process.exitCode = 1;
        return;
      }
      if (stored.kind === 'ok') {
        const { revision: r, activation: a } = stored.from;
        console.log(`stored revision ${r.id} (#${r.number}${r.author ? `, by ${r.author}` : ''}${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}), active since ${shortTime(a.activated_at)} UTC (activation ${a.id} by ${a.activated_by})\n`);
        return console.log(renderPolicies(stored.set));
      }
      // Only the policies: a broken test case does not change what Medic loads.
      const loaded = await loadPolicySet(await policyFiles(dir), createHashingEmbedder());
      if (loaded.kind === 'invalid') {
        for (const i of loaded.issues) console.error(formatIssue(i, dir));
        process.exitCode = 1;
        return;
      }
      console.log(`${dir}: revision ${loaded.set.revision}\n`);
      console.log(renderPolicies(loaded.set));
    });

  policies.command('check').argument('[dir]', 'policy folder (default: MEDIC_POLICIES_DIR or the shipped policies/)')
    .description('validate policy files and their test cases; faults as file:line:column path: message')
    .action(async (dirArg?: string) => {
      const dir = policiesDir(dirArg);
      const r = await checked(dir);
      if (!r) return;
      const on = (kind: string) => r.set.policies.filter((p) => p.on === kind).length;
      const shadow = r.set.policies.filter((p) => p.mode === 'shadow').length;
      console.log(`${dir}: valid, revision ${r.set.revision}`);
      console.log(`  ${r.set.policies.length} policies (${on('failure')} on failure, ${on('preflight')} on preflight, ${shadow} in shadow mode), ${r.set.classes.length} incident classes in ${r.set.files.length} files`);
      console.log(`  ${r.cases.length} test cases in ${r.caseFiles.length} ${r.caseFiles.length === 1 ? 'file' : 'files'}`);
    });

  policies.command('test').argument('[dir]', 'policy folder (default: MEDIC_POLICIES_DIR or the shipped policies/)')
    .description('run the *.test.yaml cases beside the policies; exit 1 on any failure')
    .action(async (dirArg?: string) => {
      const dir = policiesDir(dirArg);
      // Class similarities are computed as the configured Medic would compute them.
      const embedder = embedderFor(configOrExit());
      const r = await checked(dir, embedder);
      if (!r) return;
      if (r.cases.length === 0) {
        console.log(`${dir}: no test cases (*.test.yaml)`);
        return;
      }
      const results = await runCases(r.set, r.cases, embedder);
      console.log(renderCaseResults(results));
      if (results.some((x) => !x.passed)) process.exitCode = 1;
    });

  policies.command('schema').description('print the JSON Schema of a policy file, for editors')
    .option('--cases', 'of a *.test.yaml case file instead')
    .action((opts: { cases?: boolean }) => {
      console.log(JSON.stringify(opts.cases ? caseFileJsonSchema() : policyFileJsonSchema(), null, 2));
    });

  registerBacktest(policies);
  registerDiff(policies);
  registerRevisions(policies);
  registerProposals(policies);
}
