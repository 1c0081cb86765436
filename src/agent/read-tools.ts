/**
 * The read tools: what the agent may look at. None of them changes anything; each returns its
 * findings as data (for the planner and the state) and as text (for a model), every log and
 * failure text masked and capped on the way out.
 */
import { z } from 'zod';
import { evidenceFor } from '../incidents/evidence.ts';
import { signatureEmbedding } from '../incidents/read-sql.ts';
import { getAttempt } from '../incidents/sql.ts';
import { jobEdges } from '../runs/lineage-sql.ts';
import { classSimilarity } from '../policies/offline.ts';
import { jobMedianMs, servicesOfJob } from '../decide/sql.ts';
import { extractErrorLines } from '../signatures/log-excerpt.ts';
import type { AgentDeps } from './deps.ts';
import type { FailureFacts, ForecastFacts, RunSummary, SignatureFacts } from './facts.ts';
import { forModel } from './secrets.ts';
import { recentRuns, type Subject } from './sql.ts';

export interface ToolContext {
  deps: AgentDeps;
  subject: Subject;
}

/** A read tool: typed arguments (parsed by zod when a model asks), typed findings, and their text. */
export interface ReadTool<A, D> {
  description: string;
  params: z.ZodType<A>;
  run(ctx: ToolContext, args: A): Promise<D>;
}

const json = (d: unknown) => JSON.stringify(d, null, 1);
const jobOf = (s: Subject) => `${s.namespace}/${s.name}`;

const runHistory: ReadTool<{ limit: number }, RunSummary[]> = {
  description: 'The latest runs of the failed job, newest first: state, attempts, duration, error (masked).',
  params: z.strictObject({ limit: z.number().int().min(1).max(20).default(10) }),
  async run({ deps, subject }, { limit }) {
    const rows = await recentRuns(deps.pool, subject.jobId, limit);
    return rows.map((r) => ({
      run_key: r.run_key, state: r.state, attempts: r.attempts, duration_ms: r.duration_ms === null ? null : Number(r.duration_ms),
      started_at: r.started_at ? new Date(r.started_at).toISOString() : null, error: r.error === null ? null : forModel(r.error, 300),
    }));
  },
};

const logExcerpt: ReadTool<{ max_lines: number }, FailureFacts> = {
  description: 'The failure message and the lines of the failed attempt\'s log that carry the error (masked, at most 4,096 characters).',
  params: z.strictObject({ max_lines: z.number().int().min(5).max(400).default(80) }),
  async run({ deps, subject }, { max_lines }) {
    const a = await getAttempt(deps.pool, subject.runId, subject.attempt);
    const message = a?.error_message ?? '(no error message)';
    const detail = a?.error_detail ?? '';
    const excerpt = detail ? extractErrorLines(detail, { maxLines: max_lines }).excerpt || detail : '';
    return { message: forModel(message, 1_000), excerpt: forModel(excerpt) };
  },
};

const signatureEvidence: ReadTool<Record<string, never>, SignatureFacts> = {
  description: 'The failure\'s signature, how unusual it is, similar past incidents with how they ended, and what fixed them how often.',
  params: z.strictObject({}),
  async run({ deps, subject }) {
    const [ev, vector, sig] = await Promise.all([
      evidenceFor(deps.pool, subject.signatureId, new Date(subject.openedAt), subject.incidentId),
      signatureEmbedding(deps.pool, subject.signatureId),
      deps.pool.query<{ template: string; exception_type: string | null }>('select template, exception_type from signatures where id = $1', [subject.signatureId]),
    ]);
    const row = sig.rows[0];
    return {
      id: subject.signatureId, template: forModel(row?.template ?? '', 1_000), exceptionType: row?.exception_type ?? null,
      outlier: `${ev.outlier.label} (${ev.outlier.days_seen_in_30} of the last 30 days)`,
      classes: vector ? classSimilarity(deps.policies.current().classVectors, vector) : {},
      similar: ev.similar_incidents.map((i) => ({
        incident_id: i.incident_id, title: forModel(i.title, 200), similarity: i.similarity,
        resolution: i.resolution ? { action: i.resolution.action, outcome: i.resolution.outcome } : null,
      })),
      fixes: ev.fixes.map((f) => ({ action: f.action, successes: f.successes, attempts: f.attempts, summary: f.summary })),
    };
  },
};

const forecast: ReadTool<Record<string, never>, ForecastFacts> = {
  description: 'The business services the job belongs to: deadline, chance to breach, slack left, services downstream; and the job\'s usual run time.',
  params: z.strictObject({}),
  async run({ deps, subject }) {
    const [services, median] = await Promise.all([servicesOfJob(deps.pool, jobOf(subject)), jobMedianMs(deps.pool, jobOf(subject))]);
    return {
      services: services.map((s) => ({
        name: s.name, criticality: s.criticality, deadline: s.forecast?.deadline.toISOString() ?? null, p_breach: s.forecast?.pBreach ?? null,
        slack_min: s.forecast ? Math.round(s.forecast.slackMs / 60_000) : null, downstream: s.forecast?.downstream.map((d) => d.service) ?? [],
      })),
      job_median_min: median === null ? null : Math.round(median / 60_000),
    };
  },
};

const lineage: ReadTool<Record<string, never>, string[]> = {
  description: 'The jobs downstream of the failed one (declared or through the datasets it writes).',
  params: z.strictObject({}),
  async run({ deps, subject }) {
    const edges = await jobEdges(deps.pool, subject.jobId, 'downstream');
    return [...new Set(edges.map((e) => `${e.job.namespace}/${e.job.name}`))].slice(0, 50);
  },
};

/** Every read tool by name. */
export const READ_TOOLS = {
  run_history: runHistory,
  log_excerpt: logExcerpt,
  signature_evidence: signatureEvidence,
  forecast,
  lineage,
} as const;
export type ReadToolName = keyof typeof READ_TOOLS;
export type ReadToolData<N extends ReadToolName> = Awaited<ReturnType<(typeof READ_TOOLS)[N]['run']>>;

export const isReadTool = (name: string): name is ReadToolName => Object.hasOwn(READ_TOOLS, name);

/** The text a model reads of a tool's findings: the findings are masked already, and are data. */
export const toolText = (data: unknown): string => json(data);
