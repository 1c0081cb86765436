import type { Command } from 'commander';
import { loadDemoHistory } from '../demo/load.ts';
import type { Deps } from '../deps.ts';
import { incidentDetail } from '../incidents/evidence.ts';
import { listIncidents, listSignatures } from '../incidents/read-sql.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { showAgent } from './demo-agent.ts';
import { showDecision } from './demo-decide.ts';
import { showHealing } from './demo-heal.ts';
import { showOrigin } from './demo-origin.ts';
import { showSlackRisk } from './demo-slack.ts';
import { parseServiceFile } from '../sla/parse-file.ts';
import { replaySweeps } from '../sla/replay.ts';
import { forecastService, type ServiceForecast } from '../sla/service-forecast.ts';
import { applyService, listServices, saveForecast } from '../sla/sql.ts';
import { renderForecast } from './forecast.ts';
import { renderIncident } from './incidents.ts';
import { buildHandlers } from '../handlers.ts';
import { listJobs, listRuns } from '../runs/sql.ts';
import { EXAMPLES_DIR, openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { clip, shortTime, table } from './table.ts';

/** Signatures and incidents, then one failure of the commonest signature with its past fixes. */
async function showSignatures(deps: Deps): Promise<void> {
  const signatures = await listSignatures(deps.pool, 10);
  console.log('\n4. Failure signatures (every failed try, across orchestrators)');
  console.log(table(['id', 'seen', 'incidents', 'template'],
    signatures.sort((a, b) => b.occurrences - a.occurrences).map((s) => [s.id, s.occurrences, s.incidents, clip(s.template, 90)])));
  const top = signatures[0];
  if (!top) return;
  const latest = (await listIncidents(deps.pool, { signatureId: top.id, limit: 1 }))[0];
  const detail = latest ? await incidentDetail(deps.pool, latest.id) : undefined;
  if (!detail) return;
  console.log('\n5. The latest failure of the commonest signature, matched to its past fixes\n');
  console.log(renderIncident(detail));
}

/** Applies the example services and replays today's close just after its second load failure. */
async function showForecast(deps: Deps, replayAt: Date): Promise<void> {
  const file = join(EXAMPLES_DIR, 'services', 'finance.yaml');
  const parsed = parseServiceFile(await readFile(file, 'utf8'));
  if (parsed.kind !== 'ok') return;
  for (const s of parsed.services) await applyService(deps.pool, s);
  const out = await forecastService(deps.pool, 'finance-close', replayAt);
  if (out.kind !== 'forecast') return;
  await keepHistory(deps, out.value);
  console.log(`\n6. Today's financial close, replayed at ${replayAt.toISOString().slice(11, 16)} UTC (load_dw has just failed twice)\n`);
  const def = parsed.services.find((s) => s.name === 'finance-close');
  if (def) console.log(renderForecast(out.value, def.deadline));
  await showSlackRisk(deps, out.value, def?.title ?? null);
}

/**
 * Leaves the replayed close with the forecast history a sweep every minute would have left, thinned
 * to one forecast every 10 minutes from its start (enough for the board's fan chart), and the
 * replayed forecast as its latest.
 */
async function keepHistory(deps: Deps, f: ServiceForecast): Promise<void> {
  const all = new Map((await listServices(deps.pool)).map((s) => [s.name, s.definition]));
  const def = all.get(f.service);
  if (!def) return;
  await replaySweeps(deps.pool, def, all, { from: f.instance.start, until: f.at, everyMs: 10 * 60_000, instanceKey: f.instance.key });
  await saveForecast(deps.pool, f);
}

export function registerDemo(program: Command): void {
  program.command('demo').description('load a realistic multi-orchestrator history and show what Medic makes of it')
    .option('--days <n>', 'days of history', '28')
    .action(async (opts: { days: string }) => {
      const runtime = await openRuntime(quiet(configOrExit()));
      const { deps } = runtime;
      try {
        if (deps.queue.kind === 'in-process') deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
        console.log(`Medic demo — store: ${deps.store}, queue: ${deps.queue.kind}\n`);
        const { results: loaded, replayAt, partialDay } = await loadDemoHistory(deps, Math.max(1, Number.parseInt(opts.days, 10) || 28));
        console.log('1. Ingest: each source in its own format, through the same adapters as the API');
        console.log(table(['source', 'format', 'payloads', 'accepted', 'duplicate', 'rejected'],
          loaded.map((l) => [l.instance, l.orchestrator, l.payloads, l.summary.accepted, l.summary.duplicate, l.summary.rejected])));
        if (loaded.every((l) => l.summary.accepted === 0)) console.log('   (already loaded: ingest is idempotent, nothing was added)');
        await deps.queue.drain(120_000).catch(() => undefined);
        const jobs = await listJobs(deps.pool, { limit: 100, offset: 0 });
        console.log('\n2. Jobs across orchestrators');
        console.log(table(['job', 'orchestrator', 'runs', 'failed tries', 'failed runs'],
          jobs.map((j) => [clip(`${j.namespace}/${j.name}`, 50), j.orchestrator, j.runs, j.failed_attempts, j.failed_runs])));
        const failures = await listRuns(deps.pool, { state: 'failed', limit: 5 });
        console.log('\n3. Runs that stayed failed');
        console.log(table(['run', 'job', 'tries', 'ended (UTC)', 'error'],
          failures.map((r) => [r.id, clip(`${r.job.namespace}/${r.job.name}`, 36), r.attempts, shortTime(r.ended_at), clip(r.error_message, 60)])));
        await showSignatures(deps);
        await showForecast(deps, replayAt);
        await showDecision(deps, replayAt);
        await showHealing(deps, replayAt);
        await showAgent(deps);
        await showOrigin(deps, partialDay);
      } finally {
        await runtime.close();
      }
    });
}
