import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { describeAction } from '../../policies/action.ts';
import type { LoadedFrom } from '../../policies/active.ts';
import type { PolicySet } from '../../policies/load.ts';
import { revisionFiles } from '../../policies/revisions-sql.ts';
import { when, type Formats } from '../format.ts';
import { html, type Html } from '../html.ts';
import { sendHtml, type ConsoleKit } from '../kit.ts';
import { page } from '../layout.ts';
import { createBackgroundCache, type Cached } from './background-cache.ts';
import { backtestSummary, type BacktestSummary } from './backtest-summary.ts';
import { backtestRegion, policyBacktest } from './backtest-view.ts';
import { table } from './live-region.ts';
import { lintFolder, lintRegion, policySources, readSources, type FolderLint, type PolicySource } from './policy-lint.ts';
import { revisionByline, revisionLink } from './policy-revision.ts';
import { describeApproval, policyArticle } from './policy-view.ts';

/** A backtest is computed again at most this often, per process and policy revision. @defaultValue 10 min */
export const BACKTEST_MAX_AGE_MS = 10 * 60_000;
/** The folder is linted again at most this often. @defaultValue 30 s */
const LINT_MAX_AGE_MS = 30_000;
/** How long the page waits for a lint it has to start: linting a folder takes milliseconds with the local embedder. */
const LINT_WAIT_MS = 60;

const Id = z.object({ id: z.string().min(1).max(100) });

/**
 * The loaded policies with the lint of their folder and their backtest on the last 30 days. The
 * backtest (seconds over a large store) is never computed on a request: each process keeps the
 * latest for the loaded revision, starts it on the first request that finds none or finds it 10
 * minutes old, and pages show it with its age, or poll for it.
 */
export function policyRoutes(root: FastifyInstance, kit: ConsoleKit): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { deps } = kit;
  const { formats } = kit;
  const backtests = createBackgroundCache<BacktestSummary>({
    // Keyed by revision; a set reloaded meanwhile changes the key asked for, and the result is dropped.
    compute: async () => backtestSummary(deps.pool, deps.policies.current(), deps.clock()),
    maxAgeMs: BACKTEST_MAX_AGE_MS,
    clock: deps.clock,
    onError: (err, revision) => deps.log.warn({ err, revision }, 'console: policy backtest failed'),
  });
  const lints = createBackgroundCache<FolderLint>({
    compute: async (dir) => lintFolder(dir, deps.embedder),
    maxAgeMs: LINT_MAX_AGE_MS,
    retryMs: LINT_MAX_AGE_MS,
    clock: deps.clock,
    onError: (err) => deps.log.warn({ err }, 'console: policy lint failed'),
  });
  // The app closes its store after its plugins: nothing may still be reading it then.
  root.addHook('onClose', async () => {
    await Promise.all([backtests.idle(), lints.idle()]);
  });
  const backtest = () => backtests.peek(deps.policies.current().revision);
  const lint = () => lints.wait(deps.policies.dir, LINT_WAIT_MS);
  // The source shown is that of what runs: once a revision is active, the folder may say otherwise.
  const sources = async (from: LoadedFrom) => (from.kind === 'revision'
    ? policySources((await revisionFiles(deps.pool, from.revision.id)) ?? [])
    : readSources(deps.policies.dir));

  app.get('/policies', { schema: { hide: true } }, async (req, reply) => {
    const view = kit.view(req, reply);
    const [set, from] = [deps.policies.current(), deps.policies.loadedFrom()];
    const [linted, source] = await Promise.all([lint(), sources(from)]);
    const body = policiesBody(view.formats, set, deps.policies.dir, from, linted, source, backtest());
    return sendHtml(reply, page(view, { title: 'Policies', section: 'policies', body }));
  });
  app.get('/policies/lint', { schema: { hide: true } }, async (_req, reply) =>
    sendHtml(reply, lintRegion(formats(), deps.policies.dir, loadedOf(deps.policies.current(), deps.policies.loadedFrom()), await lint())));
  app.get('/policies/backtest', { schema: { hide: true } }, async (_req, reply) => sendHtml(reply, backtestRegion(formats(), backtest())));
  app.get('/policies/:id/backtest', { schema: { hide: true, params: Id } }, async (req, reply) => {
    const policy = deps.policies.current().policies.find((p) => p.id === req.params.id);
    if (!policy) throw new AppError('not_found', `policy "${req.params.id}" is not loaded`);
    return sendHtml(reply, policyBacktest(formats(), policy, backtest()));
  });
}

/** What the lint compares the folder with: the loaded set, and whether a stored revision (not the folder) is its source. */
const loadedOf = (set: PolicySet, from: LoadedFrom) => ({ revision: set.revision, stored: from.kind === 'revision' });

function policiesBody(f: Formats, set: PolicySet, dir: string, from: LoadedFrom, lint: Cached<FolderLint>, sources: Map<string, PolicySource>, backtest: Cached<BacktestSummary>): Html {
  const figures = (p: PolicySet['policies'][number]) => (backtest.kind === 'computing'
    ? html`<p class="muted">Being computed: its figures appear in <a href="#backtest">the backtest</a> once it is done.</p>`
    : policyBacktest(f, p, backtest));
  return html`<section class="region" aria-labelledby="set-h"><h2 id="set-h">The loaded set</h2>
<dl class="facts">
<dt>Revision</dt><dd><code>${set.revision}</code></dd>
<dt>Loaded</dt><dd>${when(f, set.loadedAt)}</dd>
<dt>From</dt><dd>${from.kind === 'revision' ? html`stored revision ${revisionLink(from.revision.id)} <span class="muted">${revisionByline(from.revision)}; active since ${when(f, from.activation.activated_at)}</span>` : html`the folder <code>${dir}</code>`} · <a href="/policies/revisions">every stored revision</a></dd>
<dt>Files</dt><dd>${set.files.length ? set.files.map((name, i) => html`${i ? ', ' : ''}<code>${name}</code>`) : html`<span class="muted">none</span>`}</dd>
<dt>Incident classes</dt><dd>${set.classes.length ? set.classes.map((c, i) => html`${i ? ', ' : ''}<code>${c.name}</code>`) : html`<span class="muted">none</span>`}</dd>
</dl>
<p class="hint">Policies in the order they are tried: the first that matches decides.</p>
${table(['#', 'Policy', 'On', 'Mode', 'Action', 'Approval'], set.policies.map((p, i) => html`<tr><td>${i + 1}</td><th scope="row"><a href="#policy-${p.id}"><code>${p.id}</code></a></th><td>${p.on}</td><td>${p.mode}</td><td>${describeAction(p.action)}</td><td>${describeApproval(p.approval)}</td></tr>`), 'No policy is loaded: every failure goes to people.')}
</section>
${lintRegion(f, dir, loadedOf(set, from), lint)}
${backtestRegion(f, backtest)}
<section class="region" aria-labelledby="policies-h"><h2 id="policies-h">Policies <span class="count">${set.policies.length}</span></h2>
${set.policies.map((p, i) => policyArticle(p, i + 1, sources.get(p.id), figures(p)))}
</section>`;
}
