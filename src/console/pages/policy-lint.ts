/**
 * The policy folder as CI lints it (`checkFolder`), and where each policy sits in it: the file,
 * the line, and its YAML as written.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import { checkFolder, type FolderCheck } from '../../policies/check.ts';
import { policyFiles } from '../../policies/load.ts';
import type { Embedder } from '../../signatures/embedder.ts';
import { ago, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import type { Cached } from './background-cache.ts';
import { table } from './live-region.ts';

/** Where a policy is written. */
export interface PolicySource {
  file: string;
  line: number;
  /** The policy's YAML as written (comments inside it included), unindented. */
  yaml: string;
}

/** The lint of the folder; `unreadable` when the folder cannot be read at all. */
export interface FolderLint {
  check: FolderCheck | { kind: 'unreadable'; error: string };
}

/** Lints `dir` as CI would (its incident classes are embedded: the slow part, kept off requests). */
export async function lintFolder(dir: string, embedder: Embedder): Promise<FolderLint> {
  try {
    return { check: await checkFolder(dir, embedder) };
  } catch (err) {
    return { check: { kind: 'unreadable', error: err instanceof Error ? err.message : String(err) } };
  }
}

/** Where each policy of `dir` is written, read now (reading and parsing the files takes milliseconds); none when unreadable. */
export async function readSources(dir: string): Promise<Map<string, PolicySource>> {
  return policyFiles(dir).then(policySources, () => new Map<string, PolicySource>());
}

/** Each policy id's file, line and YAML text; a file that does not parse gives none. */
export function policySources(files: readonly { name: string; text: string }[]): Map<string, PolicySource> {
  const out = new Map<string, PolicySource>();
  for (const f of files) {
    const counter = new LineCounter();
    for (const doc of parseAllDocuments(f.text, { lineCounter: counter })) {
      if (doc.errors.length) continue;
      const policies = doc.get('policies', true);
      if (!isSeq(policies)) continue;
      for (const item of policies.items) {
        if (!isMap(item) || !item.range) continue;
        const id = item.get('id', true);
        if (!isScalar(id) || typeof id.value !== 'string' || out.has(id.value)) continue;
        const at = counter.linePos(item.range[0]);
        out.set(id.value, { file: f.name, line: at.line, yaml: unindent(f.text.slice(item.range[0], item.range[1]), at.col - 1) });
      }
    }
  }
  return out;
}

/** A block's lines after the first lose the indentation its first line had in the file. */
function unindent(text: string, by: number): string {
  const strip = new RegExp(`^ {0,${by}}`);
  return text.split('\n').map((line, i) => (i === 0 ? line : line.replace(strip, ''))).join('\n').trimEnd();
}

/**
 * The lint region: no issues (and whether the folder differs from what is loaded), or every issue
 * with its place. `loaded`: the revision of the set that runs, and whether it is a stored revision
 * (which a reload reads again, rather than the folder).
 */
export function lintRegion(f: Formats, dir: string, loaded: { revision: string; stored: boolean }, c: Cached<FolderLint>): Html {
  const head = html`<h2 id="lint-h">Lint of <code>${dir}</code></h2>`;
  if (c.kind === 'computing') {
    return html`<section class="region" id="lint" aria-labelledby="lint-h" hx-get="/policies/lint" hx-trigger="load delay:2s" hx-swap="outerHTML">${head}<p role="status">Checking the folder… <a href="/policies#lint">Reload</a> to see the result.</p></section>`;
  }
  if (c.kind === 'failed') return html`<section class="region" id="lint" aria-labelledby="lint-h">${head}<p class="notice error" role="alert">The lint failed: ${c.error}</p></section>`;
  const { check } = c.value;
  return html`<section class="region" id="lint" aria-labelledby="lint-h">${head}
<p class="muted">Checked ${ago(f, c.at)}, as <code>medic policies check</code> does in CI.</p>
${lintBody(check, dir, loaded)}
</section>`;
}

function lintBody(check: FolderLint['check'], dir: string, loaded: { revision: string; stored: boolean }): Html {
  switch (check.kind) {
    case 'unreadable':
      return html`<p class="notice error" role="alert">The folder could not be read: ${check.error}</p>`;
    case 'invalid':
      return html`<p class="notice error"><strong>${check.issues.length} ${check.issues.length === 1 ? 'issue' : 'issues'}</strong>: Medic refuses to load this folder and keeps the set it has.</p>
${table(['Where', 'Field', 'Issue'], check.issues.map((i) => html`<tr><td><code>${i.file}${i.line ? `:${i.line}:${i.column}` : ''}</code></td><td><code>${i.path.join('.') || '(file)'}</code></td><td>${i.message}</td></tr>`), '')}`;
    case 'ok': {
      const s = check.set;
      return html`<p class="notice ok">No issues: ${s.policies.length} policies and ${s.classes.length} incident classes in ${s.files.length} files; ${check.cases.length} test cases in ${check.caseFiles.length} files.</p>
${s.revision === loaded.revision ? '' : html`<p class="notice error">The folder (revision <code>${s.revision}</code>) differs from the set loaded (<code>${loaded.revision}</code>): ${loaded.stored
    ? html`a stored revision is active, so store the folder as a new one to apply it (<code>medic policies apply ${dir} --yes</code>).`
    : html`reload the policies (<code>POST /v1/policies/reload</code>) to apply it.`}</p>`}`;
    }
    default: {
      const never: never = check;
      return never;
    }
  }
}
