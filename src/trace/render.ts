import { splitJob } from '../runs/job-name.ts';
import { topologicalOrder } from './blast.ts';
import type { OriginReport, Trace, TraceDatasetVersion, TraceJob } from './types.ts';

const hhmm = (iso: string | null) => (iso ? iso.slice(11, 16) : '--:--');
const short = (job: string) => splitJob(job).name;
const count = (n: number | null) => (n === null ? '?' : n.toLocaleString('en-US'));

/**
 * A trace as a terminal timeline: one line a job, upstream first, with a bar over the instance's
 * span (`░` its usual p50–p90 end, `█` the run, `|` the deadline), its state, its times against
 * its usual ones, and under it the datasets it wrote and read that deserve a look. Times are UTC.
 */
export function renderTrace(t: Trace, width = 32): string {
  const start = Date.parse(t.start);
  const ends = t.jobs.flatMap((j) => [j.endMin ?? j.startMin ?? 0, j.usual?.end.p90 ?? 0]);
  const deadlineMin = t.deadline ? (Date.parse(t.deadline) - start) / 60_000 : null;
  // A finished instance is drawn to its deadline or its last end; a live one up to now as well.
  const span = Math.max(1, ...ends, deadlineMin ?? 0, t.live ? (Date.parse(t.at) - start) / 60_000 : 0) * 1.02;
  const col = (m: number) => Math.max(0, Math.min(width - 1, Math.floor((m / span) * width)));
  const nameWidth = Math.min(40, Math.max(...t.jobs.map((j) => short(j.job).length)));
  const lines = [
    `${t.service} · instance ${t.key} · began ${hhmm(t.start)} UTC${t.deadline ? ` · deadline ${hhmm(t.deadline)}` : ''} · as of ${hhmm(t.at)}${t.live ? ' (live)' : ''}`,
    '',
  ];
  for (const j of topologicalOrder(t)) {
    const bar = Array.from({ length: width }, () => ' ');
    if (j.usual) for (let c = col(j.usual.end.p50); c <= col(j.usual.end.p90); c++) bar[c] = '░';
    if (j.startMin !== null) for (let c = col(j.startMin); c <= col(j.endMin ?? (Date.parse(t.at) - start) / 60_000); c++) bar[c] = '█';
    if (deadlineMin !== null) bar[col(deadlineMin)] = '|';
    lines.push(`  ${bar.join('')}  ${short(j.job).padEnd(nameWidth).slice(0, nameWidth)}  ${state(j).padEnd(10)} ${times(j)}`);
    for (const w of j.writes.filter((x) => x.suspect || x.expectedRows !== null)) lines.push(`  ${' '.repeat(width)}    ↳ wrote ${sized(w)}`);
    for (const r of j.reads.filter((x) => x.stale || x.suspect)) lines.push(`  ${' '.repeat(width)}    ↲ read ${sized(r)}${r.stale ? ' — before this instance wrote it (stale)' : ''}`);
  }
  const inferred = t.edges.filter((e) => e.kinds.includes('inferred'));
  if (inferred.length > 0) {
    lines.push('', '  inferred links (no system reports them):');
    for (const e of inferred) lines.push(`    ${short(e.upstream)} → ${short(e.downstream)}: ${e.why ?? ''}`);
  }
  const feeders = t.jobs.filter((j) => j.role === 'feeder').length;
  lines.push('', `  ${t.jobs.length} jobs (${feeders} feeding it from outside the definition), ${t.edges.length} links; ░ usual end p50–p90, █ this run${t.deadline ? ', | deadline' : ''}`);
  return lines.join('\n');
}

function state(j: TraceJob): string {
  if (!j.run) return 'no run';
  return j.run.failedAttempts > 0 && j.run.state === 'completed' ? `completed after ${j.run.attempts}` : j.run.state;
}

function times(j: TraceJob): string {
  if (!j.run) return j.usual ? `usually ends +${Math.round(j.usual.end.p50)} min` : '';
  const range = `${hhmm(j.run.startedAt)}–${hhmm(j.run.endedAt)}`;
  if (!j.usual || j.endMin === null) return range;
  const late = Math.round(j.endMin - j.usual.end.p50);
  return `${range}  ${late >= 0 ? '+' : ''}${late} min vs its usual end${j.endMin > j.usual.end.p90 ? ', past its p90' : ''}`;
}

function sized(v: TraceDatasetVersion): string {
  const expected = v.expectedRows !== null ? ` of ${count(v.expectedRows)} expected` : '';
  return `${v.dataset}: ${count(v.rowCount)} rows${expected}${v.suspect ? ` ⚠ ${v.assessment ?? 'far from its usual size'}` : ''}`;
}

/** An origin report for the terminal: the problems, the ranked candidates and the blast radius. */
export function renderOrigin(r: OriginReport): string {
  const lines = [`${r.service} · instance ${r.key}`, ''];
  lines.push(r.problems.length === 0 ? '  no problem seen' : `  problems: ${r.problems.map((p) => problemText(p, short)).join('; ')}`);
  lines.push('', r.origin ? `  probable origin: ${r.origin.job} (confidence ${Math.round(r.origin.confidence * 100)} %)` : `  origin: ${r.unknown ?? 'unknown'}`);
  r.candidates.slice(0, 5).forEach((c, i) => {
    lines.push(`  ${i + 1}. ${c.job}  [${c.verdict}${c.lateMinutes !== null ? `, +${c.lateMinutes} min` : ''}]  ${c.why}`);
    for (const e of c.evidence.slice(0, 3)) lines.push(`       · ${e}`);
  });
  if (r.blast) {
    lines.push('', `  blast radius: ${r.blast.proposal ?? 'nothing downstream has run yet'}`);
    for (const s of r.blast.services) lines.push(`    ${s.service}: deadline ${hhmm(s.deadline)}${left(s.minutesLeft)}`);
  }
  return lines.join('\n');
}

function left(minutes: number | null): string {
  if (minutes === null) return '';
  return minutes >= 0 ? `, ${minutes} min left` : ', passed';
}

/** A problem in a few words; jobs named by `name` (the terminal shortens them, a decision keeps them whole). */
export function problemText(p: OriginReport['problems'][number], name: (job: string) => string = (j) => j): string {
  switch (p.kind) {
    case 'late': return `${name(p.job)} ends ${p.minutes} min past its ${p.against === 'deadline' ? 'deadline' : 'usual finish'}`;
    case 'partial-data': return `${name(p.job)} wrote ${p.dataset} far from its usual size`;
    case 'stale-input': return `${name(p.job)} read ${p.dataset} before it was written`;
    case 'failure': return `${name(p.job)} failed`;
    default: { const never: never = p; return never; }
  }
}
