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
import { buildJobModel } from '../../src/sla/model.ts';
import { dag, generate, MIN, samplesOf, type Day } from './history.ts';
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

function main(): void {
  const days = generate(150, 42);
  const warmup = 30;
  // A deadline most days meet: 2 h 5 min after the 01:00 start.
  const deadlineAfter = 125 * MIN;
  const points = [0, 30, 60, 90]; // minutes after the start
  const scored: Record<'medic' | 'controlm' | 'airflow', Scored[]> = { medic: [], controlm: [], airflow: [] };
  for (let d = warmup; d < days.length; d++) {
    const day = days[d] as Day;
    const history = days.slice(Math.max(0, d - 90), d);
    const deadline = day.start + deadlineAfter;
    const y = day.finish > deadline ? 1 : 0;
    const weekday = ((new Date(day.start).getUTCDay() + 6) % 7) + 1;
    const models = new Map(dag.map((j) => [j.job, buildJobModel(samplesOf(history, j.job), { weekday })]));
    for (const m of points) {
      const at = day.start + m * MIN;
      if (at >= Math.min(day.finish, deadline)) continue; // nothing left to forecast
      const f = forecast({ jobs: dag, states: statesAt(day, at), models, start: new Date(day.start), now: new Date(at), deadline: new Date(deadline), samples: 4_000, seed: d, withTimeToAct: false });
      scored.medic.push({ p: f.pBreach, y });
      scored.controlm.push({ p: controlmStyle(history, day, at, deadline), y });
      scored.airflow.push({ p: airflowStyle(history, day, deadline), y });
    }
  }
  const breaches = days.slice(warmup).filter((d) => d.finish > d.start + deadlineAfter).length;
  console.log(`backtest: ${days.length - warmup} generated instances (${breaches} breached), forecast at ${points.join(', ')} min after start while unfinished: ${scored.medic.length} forecasts\n`);
  const rows = (['medic', 'controlm', 'airflow'] as const).map((k) => [k, brier(scored[k])] as const);
  for (const [k, b] of rows) console.log(`${k.padEnd(9)} Brier ${b.toFixed(4)}`);
  const best = Math.min(rows[1]?.[1] ?? 1, rows[2]?.[1] ?? 1);
  console.log(`\nmedic / better baseline = ${((rows[0]?.[1] ?? 0) / best).toFixed(3)} (target ≤ 0.7)\n`);
  for (const k of ['medic', 'controlm', 'airflow'] as const) {
    console.log(`reliability, ${k}`);
    console.log(reliability(scored[k]).join('\n'));
  }
  printWorkflowBacktest();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
