/**
 * Replays the worlds' days into Medic day by day — each world's payloads posted the morning after
 * its instance, the stored runs checked against what was generated — and on evaluation days asks
 * Medic for the instance's trace and origin and reads the baselines' answers from the store.
 */
import type { Trace } from '../../src/trace/types.ts';
import { dayPayloads } from './formats.ts';
import { instanceKey } from './formats-shared.ts';
import { applyService, ask, emptyTally, post, type IngestTally, type Medic } from './medic.ts';
import type { PlannedDay } from './plan.ts';
import type { CaseResult } from './score.ts';
import { serviceDefinition } from './service.ts';
import { failedAttempts, storedRuns } from './sql.ts';
import { jobOf, type Format, type World } from './world.ts';

const HOUR = 3_600_000;

export function printWorld(w: World, unmade: number): void {
  const jobs = [...w.jobs.values()];
  const count = (f: Format) => jobs.filter((j) => j.format === f).length;
  const clocks = jobs.filter((j) => j.clockMin !== null).map((j) => `${j.id} at +${j.clockMin} min after ${j.parents[0]}`);
  console.log(`  ${w.name.padEnd(17)} ${String(jobs.length).padStart(2)} jobs (OpenLineage ${count('openlineage')}, Argo ${count('argo')}, Control-M ${count('controlm')}, generic ${count('generic')}), start ${String(w.slotHourUtc).padStart(2, '0')}:00 UTC, due +${w.deadlineMin} min; on a clock: ${clocks.join('; ')}${unmade > 0 ? `; ${unmade} fault(s) no draw could carry, left clean` : ''}`);
  console.log(`  ${''.padEnd(17)} from ${w.shape}`);
}

interface Checked {
  days: number;
  matched: number;
  mismatches: string[];
}

/** Whether Medic stored, for the day, the runs generated: the same jobs, states and attempts. */
async function check(m: Medic, w: World, day: PlannedDay, into: Checked): Promise<void> {
  const names = new Map([...w.jobs.values()].map((j) => [j.job, j.id]));
  const stored = await storedRuns(m.db.pool, [...names.keys()], day.slot, new Date(day.slot.getTime() + 24 * HOUR));
  const wrong: string[] = [];
  for (const [id, run] of day.run.runs) {
    const s = stored.find((x) => x.job === jobOf(w, id).job);
    const state = run.failed ? 'failed' : 'completed';
    if (!s || s.state !== state || s.attempts !== run.attempts.length) wrong.push(`${id}: generated ${state}/${run.attempts.length}, stored ${s ? `${s.state}/${s.attempts}` : 'none'}`);
  }
  if (stored.length !== day.run.runs.size) wrong.push(`${stored.length} runs stored, ${day.run.runs.size} generated`);
  into.days += 1;
  if (wrong.length === 0) into.matched += 1;
  else into.mismatches.push(`${w.name} day ${day.index}: ${wrong.slice(0, 3).join('; ')}`);
}

export interface Replayed {
  cases: CaseResult[];
  traces: Map<CaseResult, Trace>;
  about: Map<string, string>;
}

export async function replay(m: Medic, worlds: World[], plans: { days: PlannedDay[] }[]): Promise<Replayed> {
  for (const w of worlds) await applyService(m, serviceDefinition(w));
  const tallies = new Map<Format, IngestTally>();
  const checked: Checked = { days: 0, matched: 0, mismatches: [] };
  const out: Replayed = { cases: [], traces: new Map(), about: new Map() };
  const problems: string[] = [];
  let missing: string | null = null;
  const days = Math.max(...plans.map((p) => p.days.length));
  for (let d = 0; d < days; d++) {
    for (const [k, w] of worlds.entries()) {
      const day = plans[k]?.days[d];
      if (!day) continue;
      const at = new Date(day.slot.getTime() + 20 * HOUR);
      m.setNow(at);
      for (const batch of dayPayloads(w, day, k)) {
        const t = tallies.get(batch.format) ?? emptyTally();
        tallies.set(batch.format, t);
        await post(m, batch, t);
      }
      await check(m, w, day, checked);
      if (day.phase !== 'eval') continue;
      const c = await caseOf(m, w, day, at);
      out.cases.push(c);
      if (missing !== null) continue;
      const a = await ask(m, w.name, instanceKey(day.slot), at);
      if (a.kind === 'route-missing') missing = a.message;
      else if (a.kind === 'error') problems.push(`${w.name} day ${day.index}: ${a.status} ${a.message}`);
      else {
        c.medic = { origin: a.origin.origin?.job ?? null, ranked: a.origin.candidates.map((x) => x.job), anomalies: a.origin.origin?.anomalies ?? [] };
        out.traces.set(c, a.trace);
      }
    }
    if ((d + 1) % 10 === 0) process.stderr.write(`  replayed ${d + 1}/${days} days\n`);
  }
  for (const w of worlds) out.about.set(w.name, w.shape);
  printIngest(tallies, checked, problems, missing);
  return out;
}

async function caseOf(m: Medic, w: World, day: PlannedDay, at: Date): Promise<CaseResult> {
  const failed = await failedAttempts(m.db.pool, [...w.jobs.values()].map((j) => j.job), day.slot, at);
  return {
    world: w.name, day: day.index, kind: day.case.kind, variant: day.case.variant, truth: day.case.truth.map((id) => jobOf(w, id).job),
    medic: null, loo: null, firstFailed: failed[0]?.job ?? null, latestFailed: failed.at(-1)?.job ?? null,
  };
}

function printIngest(tallies: Map<Format, IngestTally>, checked: Checked, problems: string[], missing: string | null): void {
  console.log('\ningest, through the real paths (OpenLineage at /api/v1/lineage, the rest at /v1/events):');
  for (const [format, t] of tallies) {
    console.log(`  ${format.padEnd(12)} ${String(t.requests).padStart(5)} requests, ${String(t.payloads).padStart(6)} payloads: ${t.accepted} accepted, ${t.duplicate} duplicate, ${t.ignored} ignored, ${t.rejected} rejected${t.refusals.length > 0 ? `; refused: ${t.refusals.slice(0, 2).join(' | ')}` : ''}`);
  }
  console.log(`  stored runs match the generated ones on ${checked.matched}/${checked.days} world-days${checked.mismatches.length > 0 ? `; e.g. ${checked.mismatches.slice(0, 3).join(' | ')}` : ''}`);
  if (missing !== null) console.log(`  the trace routes are not there yet (${missing}): Medic's figures are missing below`);
  if (problems.length > 0) console.log(`  ${problems.length} instances Medic could not answer, e.g. ${problems.slice(0, 3).join(' | ')}`);
}
