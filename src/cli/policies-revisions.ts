import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { checkFolder, formatIssue } from '../policies/check.ts';
import { policyFiles } from '../policies/load.ts';
import { activateAnswer, applyAnswer } from '../policies/revision-answers.ts';
import { changesNothing, type RevisionChanges } from '../policies/revision-changes.ts';
import { RevisionId } from '../policies/revision-schema.ts';
import { activateRevision, applyRevision, type ApplyOutcome, type Baseline } from '../policies/revisions.ts';
import { listRevisions, type RevisionRow } from '../policies/revisions-sql.ts';
import { POLICY_POLL_MS } from '../policies/store.ts';
import { createHashingEmbedder } from '../signatures/embedder.ts';
import { withDeps } from './config.ts';
import { gitInfo } from './git-info.ts';
import { clip, shortTime, table } from './table.ts';

const byline = (r: RevisionRow) => `#${r.number}${r.author ? `, by ${r.author}` : ''}${r.commit ? `, commit ${r.commit.slice(0, 12)}` : ''}, applied by ${r.applied_by} at ${shortTime(r.applied_at)} UTC`;

function againstLine(b: Baseline): string {
  return b.kind === 'revision'
    ? `against the active revision ${b.revision.id} (${byline(b.revision)}):`
    : `against the folder Medic loads now (${b.dir}, revision ${b.revision}); no revision is stored yet:`;
}

function changeLines(c: RevisionChanges): string[] {
  if (changesNothing(c)) return [`  no policy or class changes: only comments or layout differ (${c.unchanged} policies)`];
  const lines = [
    ...c.added.map((id) => `  + policy ${id}`), ...c.removed.map((id) => `  - policy ${id}`), ...c.changed.map((id) => `  ~ policy ${id}`),
    ...c.classes.added.map((n) => `  + class ${n}`), ...c.classes.removed.map((n) => `  - class ${n}`), ...c.classes.changed.map((n) => `  ~ class ${n}`),
  ];
  return [...lines, `  ${c.unchanged} ${c.unchanged === 1 ? 'policy' : 'policies'} unchanged`];
}

/** What `medic policies apply` prints: the candidate, what it changes, and what was done. */
export function renderApply(dir: string, o: Exclude<ApplyOutcome, { kind: 'invalid' }>): string {
  const head = [`${dir}: valid, revision ${o.revision} (${o.policyIds.length} ${o.policyIds.length === 1 ? 'policy' : 'policies'})`, againstLine(o.baseline), ...changeLines(o.changes)];
  switch (o.kind) {
    case 'dry_run': return [...head, `dry run: nothing stored; run again with --yes to store and activate revision ${o.revision}`].join('\n');
    case 'already_active': return [...head, `revision ${o.revision} is already the active one: nothing to do`].join('\n');
    case 'applied': return [...head, `${o.stored ? 'stored and activated' : 'stored before; made active again:'} revision ${o.revision} (activation ${o.activation.id}); running servers load it within ${POLICY_POLL_MS / 1000} s`].join('\n');
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** The CLI acts as `MEDIC_USER`, else the OS user. */
const cliUser = (configured: string | undefined) => configured ?? userInfo().username;

export function registerRevisions(policies: Command): void {
  policies.command('apply').argument('<dir>', 'the policy folder to promote')
    .description('validate a policy folder, show what it changes against the active revision, and with --yes store and activate it')
    .option('--yes', 'store the revision and make it active (without it: a dry run)')
    .option('--author <name>', "who wrote it (default: the author of the folder's git HEAD)")
    .option('--commit <sha>', "the source commit (default: git rev-parse HEAD of the folder's repository)")
    .option('--message <text>', 'why')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { yes?: boolean; author?: string; commit?: string; message?: string; json?: boolean }) => {
      const checked = await checkFolder(dir, createHashingEmbedder()).catch((err: unknown) => {
        console.error(`${dir}: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
      if (checked?.kind !== 'ok') {
        if (checked) for (const i of checked.issues) console.error(formatIssue(i, dir));
        process.exitCode = 1;
        return;
      }
      const git = await gitInfo(dir);
      if (git?.dirty && opts.commit === undefined) console.error(`${dir} has uncommitted changes: commit ${git.commit.slice(0, 12)} does not hold these files as they are`);
      const files = await policyFiles(dir);
      await withDeps(async (deps) => {
        const outcome = await applyRevision(deps.pool, deps.policies.current(), deps.policies.dir, {
          files, author: opts.author ?? git?.author ?? null, commit: opts.commit ?? git?.commit ?? null, message: opts.message ?? null,
          by: cliUser(deps.config.user), dryRun: !opts.yes, now: deps.clock(),
        });
        if (outcome.kind === 'invalid') {
          for (const i of outcome.issues) console.error(formatIssue(i, dir));
          process.exitCode = 1;
          return;
        }
        console.log(opts.json ? JSON.stringify(applyAnswer(outcome), null, 2) : renderApply(dir, outcome));
      });
    });

  policies.command('rollback').argument('<revision>', 'a stored revision id (medic policies revisions lists them)')
    .description('make an earlier stored revision the active one again, recorded as a new activation')
    .option('--message <text>', 'why')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { message?: string; json?: boolean }) => {
      if (!RevisionId.safeParse(id).success) {
        console.error(`medic policies rollback: "${id}" is not a revision id (12 hexadecimal digits; medic policies revisions lists them)`);
        process.exitCode = 2;
        return;
      }
      await withDeps(async (deps) => {
        const o = await activateRevision(deps.pool, id, { by: cliUser(deps.config.user), message: opts.message ?? null, now: deps.clock() });
        if (o.kind === 'not_found' || o.kind === 'invalid') {
          process.exitCode = 1;
          if (o.kind === 'not_found') return console.error(`policy revision ${id} is not stored`);
          for (const i of o.issues) console.error(`revision ${id}: ${formatIssue(i)}`);
          return;
        }
        if (opts.json) return console.log(JSON.stringify(activateAnswer(o), null, 2));
        console.log(o.kind === 'already_active'
          ? `revision ${id} is already the active one: nothing to do`
          : `revision ${id} (${byline(o.revision)}) is active again (activation ${o.activation.id}; it replaces ${o.previous ?? 'none'}); running servers load it within ${POLICY_POLL_MS / 1000} s`);
      });
    });

  policies.command('revisions').description('stored policy revisions, newest first, the active one marked')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print JSON')
    .action(async (opts: { limit: string; json?: boolean }) => withDeps(async (deps) => {
      const rows = await listRevisions(deps.pool, { limit: Math.min(200, Math.max(1, Number.parseInt(opts.limit, 10) || 20)) });
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log(`no revision is stored: servers load the folder ${deps.policies.dir}`);
      console.log(table(['#', 'revision', 'active', 'applied (UTC)', 'applied by', 'author', 'commit', 'policies', 'message'],
        rows.map((r) => [r.number, r.id, r.active ? 'active' : '', shortTime(r.applied_at), r.applied_by, r.author, r.commit?.slice(0, 12), r.policy_ids.length, clip(r.message, 50)])));
    }));
}
