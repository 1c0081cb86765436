/** Prints the decision bench's results: latency per rate, Server-Timing split, decisions, autocannon, log cost. */
import type { InsertRate } from './log-cost.ts';
import type { LoadPlan, LoadResults } from './phases.ts';
import { decisionRows, firstToDegrade, latencyRows, quantiles, table, timingRows } from './report.ts';

export function printLoad(r: LoadResults, plan: LoadPlan): void {
  table(`POST /v1/decide, open loop (${plan.arrivals} arrivals, ${plan.seconds} s per rate; ms from the scheduled send; a request unanswered after 5 s is a timeout and counts at 5 s)`,
    ['target rps', 'answered/s', 'p50', 'p90', 'p99', 'max', 'timeouts', 'non-2xx', 'degraded', 'gen lag p99', 'drain s', 'CPU cores: server / postgres / loadgen / other', ''],
    latencyRows(r.phases));
  table('where the time goes: Server-Timing p50 / p99 (ms) of answered requests; "outside" = client latency − server parts (HTTP, JSON, validation, event-loop queue, generator lag)',
    ['target rps', 'gather', 'evaluate', 'log', 'server total', 'outside'], timingRows(r.phases, true));
  table('what was decided (open loop; "known sig" among decided failures)', ['target rps', 'known sig', 'breaker', 'budget', 'sla', 'failure p99', 'preflight p99', 'actions'], decisionRows(r.phases));
  if (r.cannons.length === 0) return;
  const rows = [...r.cannons, ...(r.capacity ? [{ rate: 'no limit', connections: 16, r: r.capacity }] : [])];
  table(`autocannon (${plan.cannonSeconds} s; overallRate paces each connection per second, so requests come in bursts and a slow server gets fewer; ms from the actual send, 1 ms resolution)`,
    ['target rps', 'connections', 'achieved', 'p50', 'p90', 'p99', 'max', 'non-2xx', 'errors', 'degraded'],
    rows.map((c) => [c.rate, c.connections, c.r.rps.toFixed(0), c.r.p50, c.r.p90, c.r.p99, c.r.max, c.r.non2xx, c.r.errors, c.r.samples.filter((s) => s.degraded !== null).length]));
  table('autocannon: Server-Timing p50 / p99 (ms)', ['target rps', 'gather', 'evaluate', 'log', 'server total', 'outside'],
    timingRows(r.cannons.map((c) => ({ rate: c.rate, samples: c.r.samples })), false));
}

export interface LogCost {
  rates: InsertRate[];
  bytesPerRow: number;
  rowBytes: number;
  /** Rows and bytes the load phases added to the log. */
  grownRows: number;
  grownBytes: number;
}

const ms = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : '–');

export function printLogCost(r: LoadResults, cost: LogCost): void {
  table('decision log write cost', ['measure', 'value'], [
    ...r.phases.map((p) => {
      const [a, b] = quantiles(p.samples.flatMap((s) => (s.timing ? [s.timing.log] : [])), [0.5, 0.99]);
      return [`log part of a decision at ${p.rate} req/s (group commit through the shared pool), p50 / p99 ms`, `${ms(a)} / ${ms(b)}`];
    }),
    ...cost.rates.map((x) => [`insertDecisions ${x.label}, alone: rows/s (ms per statement)`, `${Math.round(x.rowsPerSecond).toLocaleString('en-US')} (${x.msPerStatement.toFixed(2)})`]),
    ['bytes per decision over the insertDecisions runs (full decisions; heap + TOAST + 5 indexes)', Math.round(cost.bytesPerRow).toLocaleString('en-US')],
    ['bytes per decision over the load phases (mixed with safe defaults, which carry no evidence)', cost.grownRows > 0 ? Math.round(cost.grownBytes / cost.grownRows).toLocaleString('en-US') : 'n/a'],
    ['average stored row of the bench decisions (pg_column_size; input and result compressed)', cost.rowBytes.toLocaleString('en-US')],
    ['decisions written during the load phases', cost.grownRows.toLocaleString('en-US')],
  ]);
  console.log(`\nwhat degrades first:\n  ${firstToDegrade(r.phases, r.capacity?.rps ?? null)}`);
}
