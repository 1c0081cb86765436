import { MultiBar, type SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { pino } from 'pino';
import { buildHandlers } from '../handlers.ts';
import { openRuntime } from '../runtime.ts';
import { Duration } from '../sources/config.ts';
import { sourcesHealth } from '../sources/health.ts';
import { processOwner } from '../sources/owner.ts';
import { runSync } from '../sources/run.ts';
import type { SyncOutcome, SyncProgress } from '../sources/sync.ts';
import { configOrExit, quiet, withDeps } from './config.ts';
import { clip, shortTime, table } from './table.ts';

interface SyncOptions {
  since?: string;
  restart?: boolean;
  json?: boolean;
}

export function registerSync(program: Command): void {
  program.command('sync').argument('[sources...]', 'the sources to pull (names in MEDIC_SOURCES); every one when none is given')
    .description("pull run history from the sources' own APIs into Medic, from each one's cursor (resumable, idempotent)")
    .option('--since <duration>', 'how far back a source with no stored cursor goes, e.g. 90d (default: its pull.since)')
    .option('--restart', 'start again from --since whatever the stored cursor says (nothing is stored twice)')
    .option('--json', 'print the summary as JSON')
    .action(async (names: string[], opts: SyncOptions) => {
      const sinceMs = opts.since === undefined ? undefined : Duration.safeParse(opts.since);
      if (sinceMs && !sinceMs.success) fail(`--since: ${sinceMs.error.issues[0]?.message ?? 'invalid'}`);
      const config = quiet(configOrExit());
      if (config.sources.length === 0) fail('no sources are configured: set MEDIC_SOURCES or MEDIC_SOURCES_FILE (see the README, "Connect your schedulers")');
      const unknown = names.filter((n) => !config.sources.some((s) => s.source === n));
      if (unknown.length > 0) fail(`unknown source ${unknown.join(', ')}; configured: ${config.sources.map((s) => s.source).join(', ')}`);
      // The log goes to stderr with the progress: stdout holds the summary (or its JSON) alone.
      const runtime = await openRuntime(config, { log: pino({ level: config.logLevel }, pino.destination(2)) });
      const { deps } = runtime;
      const chosen = deps.sources.list.filter((e) => names.length === 0 || names.includes(e.config.source));
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const progress = progressView(chosen.map((e) => e.config.source));
      const owner = processOwner();
      let outcomes: SyncOutcome[] = [];
      try {
        outcomes = await Promise.all(chosen.map((entry) => runSync(deps, entry, {
          owner, restart: opts.restart === true, signal: abort.signal, onProgress: progress.update,
          ...(sinceMs?.success ? { sinceMs: sinceMs.data } : {}),
        })));
        progress.stop();
        // Without Redis the failures pulled are analysed in this process, once the pull is done
        // (the embedded store has one connection: analysing alongside would halve the pull).
        if (deps.queue.kind === 'in-process' && !abort.signal.aborted) {
          process.stderr.write('analysing the failures pulled…\n');
          deps.queue.startWorkers(buildHandlers(deps), { concurrency: 2 });
          await deps.queue.drain(30 * 60_000).catch(() => undefined);
        }
      } finally {
        progress.stop();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await runtime.close();
      }
      process.stdout.write(opts.json ? `${JSON.stringify({ sources: outcomes })}\n` : `${summary(outcomes)}\n`);
      if (outcomes.some((o) => o.kind !== 'done')) process.exitCode = 1;
    });

  program.command('sources')
    .description('the configured sources and their sync health: last success, lag, last error')
    .option('--errors <n>', 'also the latest sync errors of each source', '0')
    .option('--json', 'print JSON')
    .action(async (opts: { errors: string; json?: boolean }) => withDeps(async (deps) => {
      const errors = Math.max(0, Math.min(500, Number.parseInt(opts.errors, 10) || 0));
      const health = await sourcesHealth(deps.pool, deps.config.sources, deps.clock(), { errors });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ sources: health })}\n`);
        return;
      }
      if (health.length === 0) {
        process.stdout.write('no sources are configured (MEDIC_SOURCES)\n');
        return;
      }
      process.stdout.write(`${table(['source', 'kind', 'status', 'last success', 'lag', 'items', 'last error'], health.map((h) => [
        h.source, h.kind, h.status, shortTime(h.last_success_at), h.lag_s === null ? '' : duration(h.lag_s * 1000), h.items_pulled.toLocaleString('en-US'), clip(h.last_error, 60),
      ]))}\n`);
      for (const h of health) {
        for (const e of h.recent_errors ?? []) process.stdout.write(`${h.source}  ${shortTime(e.at)}  ${e.kind}  ${e.at_page}${e.field ? ` ${e.field}` : ''}: ${clip(e.detail, 120)}\n`);
      }
    }));
}

function fail(message: string): never {
  process.stderr.write(`medic sync: ${message}\n`);
  process.exit(2);
}

/** A bar per source on a terminal (items, rate, ETA when the API says how many); a line every 10 s otherwise. */
function progressView(sources: string[]): { update: (p: SyncProgress) => void; stop: () => void } {
  const started = Date.now();
  const rate = (n: number) => Math.round(n / Math.max(0.001, (Date.now() - started) / 1000));
  if (!process.stderr.isTTY) {
    const last = new Map<string, number>();
    return {
      update: (p) => {
        if (Date.now() - (last.get(p.source) ?? started) < 10_000) return;
        last.set(p.source, Date.now());
        process.stderr.write(`${p.source}: ${p.items.toLocaleString('en-US')} items${p.total ? ` of ${p.total.toLocaleString('en-US')}` : ''}, ${rate(p.items).toLocaleString('en-US')}/s\n`);
      },
      stop: () => undefined,
    };
  }
  const width = Math.max(...sources.map((s) => s.length));
  const multi = new MultiBar({
    stream: process.stderr, hideCursor: true, clearOnComplete: false, barsize: 24,
    format: (options, params, payload: { source: string; total: number | null }) => {
      const done = Math.round((params.total > 0 ? params.value / params.total : 0) * (options.barsize ?? 24));
      const bar = payload.total ? `[${'█'.repeat(done)}${'░'.repeat((options.barsize ?? 24) - done)}] ` : '';
      const r = rate(params.value);
      const eta = payload.total && r > 0 ? ` · ETA ${duration(Math.max(0, payload.total - params.value) / r * 1000)}` : '';
      return `${payload.source.padEnd(width)} ${bar}${params.value.toLocaleString('en-US')}${payload.total ? `/${payload.total.toLocaleString('en-US')}` : ''} items · ${r.toLocaleString('en-US')}/s${eta}`;
    },
  });
  const bars = new Map<string, SingleBar>(sources.map((s) => [s, multi.create(0, 0, { source: s, total: null })]));
  let stopped = false;
  return {
    update: (p) => bars.get(p.source)?.update(p.items, { source: p.source, total: p.total }),
    stop: () => {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}

function summary(outcomes: SyncOutcome[]): string {
  const rows = outcomes.map((o) => {
    if (o.kind === 'busy') return [o.source, 'busy', '', '', '', '', '', '', '', `being synced by ${o.owner}`];
    const rate = o.ms > 0 ? Math.round(o.items / (o.ms / 1000)) : 0;
    const note = o.kind === 'failed' ? `${o.fatal ? 'stopped: ' : ''}${clip(`${o.where}: ${o.detail}`, 90)}` : o.kind === 'interrupted' ? 'interrupted: run again to resume' : '';
    const n = (x: number) => x.toLocaleString('en-US');
    return [o.source, o.kind, n(o.pages), n(o.items), n(o.accepted), n(o.duplicates), n(o.rejected), n(o.malformed), `${duration(o.ms)} (${n(rate)}/s)`, note];
  });
  return table(['source', 'result', 'pages', 'items', 'new', 'duplicate', 'rejected', 'malformed', 'time', 'note'], rows);
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
