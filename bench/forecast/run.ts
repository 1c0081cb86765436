/**
 * Forecast speed: Monte Carlo over layered random DAGs (each job waits for one to three jobs of
 * the layer before), all jobs pending, histories of 60 runs. `npm run bench:forecast`.
 */
import { seeded } from '../../src/demo/random.ts';
import { forecast, type JobState } from '../../src/sla/forecast.ts';
import { buildJobModel, type JobModel } from '../../src/sla/model.ts';

function dag(n: number, seed: number) {
  const r = seeded(seed);
  const width = Math.max(1, Math.round(Math.sqrt(n)));
  const jobs = Array.from({ length: n }, (_, i) => {
    const layer = Math.floor(i / width);
    const prev = Array.from({ length: width }, (_, k) => (layer - 1) * width + k).filter((k) => k >= 0 && k < i);
    const after = prev.length ? [...new Set(Array.from({ length: r.int(1, 3) }, () => `j${r.pick(prev)}`))] : [];
    return { job: `j${i}`, after };
  });
  const models = new Map<string, JobModel>(jobs.map((j) => [j.job, buildJobModel(Array.from({ length: 60 }, (_, k) => ({
    startedAt: new Date(Date.UTC(2026, 9, 1) + k * 86_400_000), durationMs: r.lognormal(300_000, 0.4), failed: r.chance(0.03),
  })))]));
  return { jobs, models, states: new Map<string, JobState>() };
}

function time(n: number, samples: number, withTimeToAct: boolean): number {
  const d = dag(n, 1);
  const now = new Date(Date.UTC(2026, 10, 24, 1));
  const input = { ...d, start: now, now, deadline: new Date(now.getTime() + 6 * 3_600_000), samples, seed: 1, withTimeToAct };
  forecast(input); // warm-up
  const runs = 5;
  const t = performance.now();
  for (let k = 0; k < runs; k++) forecast(input);
  return (performance.now() - t) / runs;
}

console.log('forecast, one core, all jobs pending (ms per forecast, mean of 5 after a warm-up)');
console.log(`${'jobs'.padStart(6)} ${'samples'.padStart(8)} ${'forecast'.padStart(9)} ${'+ time to act'.padStart(14)}`);
for (const [n, samples] of [[100, 1_000], [100, 10_000], [1_000, 1_000], [1_000, 10_000], [5_000, 10_000]] as const) {
  console.log(`${String(n).padStart(6)} ${String(samples).padStart(8)} ${time(n, samples, false).toFixed(1).padStart(9)} ${time(n, samples, true).toFixed(1).padStart(14)}`);
}
