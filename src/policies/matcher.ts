import { DateTime } from 'luxon';
import type { DecisionContext } from '../decide/context.ts';
import type { DecisionInput } from '../decide/schema.ts';
import type { Match, TimeWindow } from './match.ts';
import type { Policy } from './schema.ts';

/** Whether a policy matched, and if not, the first reason it did not. */
export type MatchVerdict = { matched: true; because: string } | { matched: false; because: string };

const globs = new Map<string, RegExp>();

/** `*` any run of characters, `?` one; anchored, case-sensitive as job names are. */
export function globMatch(glob: string, value: string): boolean {
  let re = globs.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`);
    globs.set(glob, re);
  }
  return re.test(value);
}

const patterns = new Map<string, RegExp>();

/** A policy's regular expression, compiled once (the schema checked that it compiles). */
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'i');
    patterns.set(source, re);
  }
  return re;
}

const anyGlob = (list: string[], value: string) => list.some((g) => globMatch(g, value));
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** Whether `at` falls inside the window, read on the window's own wall clock. */
export function inWindow(w: TimeWindow, at: Date): boolean {
  const local = DateTime.fromJSDate(at, { zone: w.timeZone });
  const minute = local.hour * 60 + local.minute;
  const [fh, fm] = w.from.split(':').map(Number) as [number, number];
  const [th, tm] = w.to.split(':').map(Number) as [number, number];
  const from = fh * 60 + fm;
  const to = th * 60 + tm;
  const day = DAYS[local.weekday - 1] as (typeof DAYS)[number];
  if (from <= to) return w.days.includes(day) && minute >= from && minute < to;
  // Crosses midnight: the part after midnight belongs to the day the window started.
  const yesterday = DAYS[(local.weekday + 5) % 7] as (typeof DAYS)[number];
  return (w.days.includes(day) && minute >= from) || (w.days.includes(yesterday) && minute < to);
}

/** Checks a policy's match against an input and its context; the first criterion that fails explains why. */
export function matchPolicy(p: Policy, input: DecisionInput, ctx: DecisionContext): MatchVerdict {
  if (p.on !== input.kind) return { matched: false, because: `decides on ${p.on}, not ${input.kind}` };
  const m = p.match;
  const job = `${input.job.namespace}/${input.job.name}`;
  const no = (because: string): MatchVerdict => ({ matched: false, because });
  if (m.sources && !anyGlob(m.sources, input.source ?? '')) return no(`source ${input.source ?? '(none)'} is not one of ${m.sources.join(', ')}`);
  if (m.orchestrators && !m.orchestrators.includes(input.orchestrator ?? 'generic')) return no(`orchestrator ${input.orchestrator ?? '(none)'} is not one of ${m.orchestrators.join(', ')}`);
  if (m.jobs && !anyGlob(m.jobs, job)) return no(`job ${job} matches none of ${m.jobs.join(', ')}`);
  if (m.services && !ctx.services.some((s) => anyGlob(m.services ?? [], s.name))) {
    return no(`the job belongs to ${ctx.services.map((s) => s.name).join(', ') || 'no service'}, none of ${m.services.join(', ')}`);
  }
  if (m.when && !m.when.some((w) => inWindow(w, ctx.now))) return no('outside its time windows');
  const failure = failureCriteria(p, m, input, ctx);
  if (failure) return no(failure);
  const sla = slaCriteria(m, ctx);
  if (sla) return no(sla);
  if (m.checks) {
    if (ctx.kind !== 'preflight') return no('check criteria apply to preflights only');
    const failed = ctx.checks.some((c) => c.verdict !== 'ok' && c.verdict !== 'unknown');
    if ((m.checks === 'failed') !== failed) return no(failed ? 'a check failed' : 'every check passed');
  }
  return { matched: true, because: 'every criterion holds' };
}

/** The criteria that only a failure has: signature, attempt, success rate. */
function failureCriteria(p: Policy, m: Match, input: DecisionInput, ctx: DecisionContext): string | undefined {
  if (input.kind !== 'failure' || ctx.kind !== 'failure') {
    return m.signature || m.attempt || m.success_rate ? 'signature, attempt and success-rate criteria apply to failures only' : undefined;
  }
  const sig = ctx.signature;
  const s = m.signature;
  if (s?.ids && (sig.id === null || !s.ids.includes(sig.id))) return `signature ${sig.id ?? '(new)'} is not one of ${s.ids.join(', ')}`;
  if (s?.template && !pattern(s.template).test(sig.template)) return `template "${clip(sig.template)}" does not match /${s.template}/i`;
  if (s?.exception && !anyGlob(s.exception, sig.exceptionType ?? '')) return `exception ${sig.exceptionType ?? '(none)'} matches none of ${s.exception.join(', ')}`;
  if (s?.similar_to) {
    const sim = ctx.classes[s.similar_to.class] ?? 0;
    if (sim < s.similar_to.min_similarity) return `similarity to class ${s.similar_to.class} is ${sim.toFixed(2)}, under ${s.similar_to.min_similarity}`;
  }
  if (m.attempt?.min !== undefined && input.attempt < m.attempt.min) return `attempt ${input.attempt} is before ${m.attempt.min}`;
  if (m.attempt?.max !== undefined && input.attempt > m.attempt.max) return `attempt ${input.attempt} is past ${m.attempt.max}`;
  if (p.action.kind === 'retry' && input.attempt > p.action.max_attempts) return `attempt ${input.attempt} is past the policy's ${p.action.max_attempts} retries`;
  const r = m.success_rate;
  if (r) {
    const fix = ctx.fixes.find((f) => f.action === r.action);
    if (!fix || fix.attempts < r.min_attempts) return `${r.action} has ${fix?.attempts ?? 0} recorded attempts on this signature, fewer than ${r.min_attempts}`;
    const rate = fix.successes / fix.attempts;
    if (r.at_least !== undefined && rate < r.at_least) return `${r.action} succeeded ${pct(rate)} of the time, under ${pct(r.at_least)}`;
    if (r.below !== undefined && rate >= r.below) return `${r.action} succeeded ${pct(rate)} of the time, not under ${pct(r.below)}`;
  }
  return undefined;
}

function slaCriteria(m: Match, ctx: DecisionContext): string | undefined {
  if (!m.sla) return undefined;
  const forecasts = ctx.services.flatMap((s) => (s.forecast ? [s.forecast] : []));
  if (forecasts.length === 0) return 'no forecast of a service this job belongs to';
  const { p_breach_at_least: p, slack_minutes_below: slack } = m.sla;
  if (p !== undefined && !forecasts.some((f) => f.pBreach >= p)) return `P(breach) is at most ${pct(Math.max(...forecasts.map((f) => f.pBreach)))}, under ${pct(p)}`;
  if (slack !== undefined && !forecasts.some((f) => f.slackMs < slack * 60_000)) return `slack is at least ${Math.round(Math.min(...forecasts.map((f) => f.slackMs)) / 60_000)} min, not under ${slack}`;
  return undefined;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;
const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);
