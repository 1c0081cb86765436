/**
 * Backtest of breach forecasts on generated histories: every instance after a 30-day warm-up is
 * replayed at several points before its deadline and scored with the Brier score and a
 * reliability table, beside a Control-M-style estimate (per-job mean along the DAG, breach when
 * the estimate passes the deadline) and an Airflow-style one (mean of the last 10 runs of the
 * whole service). `npm run eval:forecast`.
 */
import { fileURLToPath } from 'node:url';
import { mean } from 'simple-statistics';
import { forecast, type JobState } from '../../src/sla/forecast.ts';
import { jobModels } from '../../src/sla/job-models.ts';
import { dag, generate, historiesOf, MIN, runsOf, samplesOf, type Day } from './history.ts';
import { printWorkflowBacktest } from './workflows.ts';

/** Where each job stood at `at` on `day`. */
function statesAt(day: Day, at: number): Map<string, JobState> {
  const states = new Map<string, JobState>();
  for (const j of dag) {
    const list = (day.attempts.get(j.job) ?? []).filter((a) => a.start <= at);
    const last = list.at(-1);
    if (!last) states.set(j.job, { kind: 'pending' });
    else if (last.end <= at) states.set(j.job, last.failed ? { kind: 'failed', endedAt: new Date(last.end) } : { kind: 'done', endedAt: new Date(last.end) });
    else states.set(j.job, { kind: 'running', startedAt: new Date(list[0]?.start ?? last.start) });
  }
  return states;
}

/** Control-M style: per-job mean duration along the DAG from where things stand; 1 if past the deadline. */
function controlmStyle(history: Day[], day: Day, at: number, deadline: number): number {
  const means = new Map(dag.map((j) => [j.job, mean(samplesOf(history, j.job).filter((s) => !s.failed).map((s) => s.durationMs))]));
  const states = statesAt(day, at);
  const ends = new Map<string, number>();
  for (const j of dag) {
    const s = states.get(j.job);
    const ready = Math.max(day.start, ...j.after.map((a) => ends.get(a) ?? day.start));
    const m = means.get(j.job) ?? 0;
    const end = s?.kind === 'done' ? s.endedAt.getTime()
      : s?.kind === 'running' ? Math.max(at, s.startedAt.getTime() + m)
        : Math.max(ready, at) + m;
    ends.set(j.job, end);
  }
  return Math.max(...ends.values()) > deadline ? 1 : 0;
}

/** Airflow style: the mean duration of the service's last 10 runs; 1 if start plus that passes the deadline. */
function airflowStyle(history: Day[], day: Day, deadline: number): number {
  const last = history.slice(-10).map((d) => d.finish - d.start);
  return day.start + mean(last) > deadline ? 1 : 0;
}

interface Scored { p: number; y: number }
const brier = (xs: Scored[]) => mean(xs.map((x) => (x.p - x.y) ** 2));

function reliability(xs: Scored[]): string[] {
  const bins = [0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001];
  return bins.slice(0, -1).map((lo, i) => {
    const hi = bins[i + 1] ?? 1;
    const inBin = xs.filter((x) => x.p >= lo && x.p < hi);
    if (inBin.length === 0) return `  [${lo.toFixed(1)}, ${Math.min(hi, 1).toFixed(1)})  n=0`;
    return `  [${lo.toFixed(1)}, ${Math.min(hi, 1).toFixed(1)})  n=${String(inBin.length).padStart(4)}  predicted ${mean(inBin.map((x) => x.p)).toFixed(2)}  observed ${mean(inBin.map((x) => x.y)).toFixed(2)}`;
  });
}

type Method = 'medic' | 'controlm' | 'airflow';
const METHODS: Method[] = ['medic', 'controlm', 'airflow'];

/** Replays one generated history (150 days, the first 30 as warm-up) and scores every forecast. */
function backtest(seed: number): { scored: Record<Method, Scored[]>; instances: number; breaches: number } {
  const days = generate(150, seed);
  const warmup = 30;
  // A deadline most days meet: 2 h 5 min after the 01:00 start.
  const deadlineAfter = 125 * MIN;
  const points = [0, 30, 60, 90]; // minutes after the start
  const scored: Record<Method, Scored[]> = { medic: [], controlm: [], airflow: [] };
  for (let d = warmup; d < days.length; d++) {
    const day = days[d] as Day;
    const history = days.slice(Math.max(0, d - 90), d);
    const deadline = day.start + deadlineAfter;
    const y = day.finish > deadline ? 1 : 0;
    // The same learning as a live forecast: attempts, retry delays and start delays from past instances.
    const models = jobModels(dag, historiesOf(history), runsOf(history), new Date(day.start));
    for (const m of points) {
      const at = day.start + m * MIN;
      if (at >= Math.min(day.finish, deadline)) continue; // nothing left to forecast
      const f = forecast({ jobs: dag, states: statesAt(day, at), models, start: new Date(day.start), now: new Date(at), deadline: new Date(deadline), samples: 4_000, seed: d, withTimeToAct: false });
      scored.medic.push({ p: f.pBreach, y });
      scored.controlm.push({ p: controlmStyle(history, day, at, deadline), y });
      scored.airflow.push({ p: airflowStyle(history, day, deadline), y });
    }
  }
  return { scored, instances: days.length - warmup, breaches: days.slice(warmup).filter((d) => d.finish > d.start + deadlineAfter).length };
}

function main(): void {
  const seeds = [42, 7, 2026];
  const pooled: Record<Method, Scored[]> = { medic: [], controlm: [], airflow: [] };
  console.log('backtest on generated histories: 150 days each, 30 warm-up, deadline 2 h 05 after the 01:00 start, forecasts at 0, 30, 60 and 90 min while unfinished\n');
  console.log('  seed  instances  breached  forecasts   medic  controlm  airflow  medic/better');
  for (const seed of seeds) {
    const { scored, instances, breaches } = backtest(seed);
    const [m, c, a] = METHODS.map((k) => brier(scored[k])) as [number, number, number];
    console.log(`${String(seed).padStart(6)} ${String(instances).padStart(10)} ${String(breaches).padStart(9)} ${String(scored.medic.length).padStart(10)}  ${m.toFixed(4)}    ${c.toFixed(4)}   ${a.toFixed(4)}         ${(m / Math.min(c, a)).toFixed(3)}`);
    for (const k of METHODS) pooled[k].push(...scored[k]);
  }
  const [m, c, a] = METHODS.map((k) => brier(pooled[k])) as [number, number, number];
  console.log(`   all ${' '.repeat(30)}${String(pooled.medic.length).padStart(5)}  ${m.toFixed(4)}    ${c.toFixed(4)}   ${a.toFixed(4)}         ${(m / Math.min(c, a)).toFixed(3)}`);
  console.log(`\nBrier, all seeds: medic ${m.toFixed(4)}, Control-M style ${c.toFixed(4)}, Airflow style ${a.toFixed(4)}; medic / better baseline = ${(m / Math.min(c, a)).toFixed(3)} (target ≤ 0.7)\n`);
  for (const k of METHODS) {
    console.log(`reliability, ${k} (all seeds)`);
    console.log(reliability(pooled[k]).join('\n'));
  }
  printWorkflowBacktest();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
