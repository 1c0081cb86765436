/**
 * What the read tools found, as the agent's state keeps it: JSON only (checkpoints outlive the
 * process), and every text from a log or failure masked and capped before it is stored.
 */
import { z } from 'zod';

export const RunSummary = z.strictObject({
  run_key: z.string(), state: z.string(), attempts: z.number(), duration_ms: z.number().nullable(), started_at: z.string().nullable(),
  error: z.string().nullable(),
});

export const FailureFacts = z.strictObject({
  /** The failure message, masked and capped. */
  message: z.string(),
  /** The lines of the log that carry the error, masked and capped. */
  excerpt: z.string(),
});

export const SignatureFacts = z.strictObject({
  id: z.number(),
  template: z.string(),
  exceptionType: z.string().nullable(),
  outlier: z.string(),
  /** Similarity to each named incident class of the policies. */
  classes: z.record(z.string(), z.number()),
  similar: z.array(z.strictObject({
    incident_id: z.number(), title: z.string(), similarity: z.number(),
    resolution: z.strictObject({ action: z.string(), outcome: z.string() }).nullable(),
  })),
  fixes: z.array(z.strictObject({ action: z.string(), successes: z.number(), attempts: z.number(), summary: z.string() })),
});

export const ServiceFacts = z.strictObject({
  name: z.string(),
  criticality: z.string(),
  deadline: z.string().nullable(),
  p_breach: z.number().nullable(),
  slack_min: z.number().nullable(),
  downstream: z.array(z.string()),
});

export const ForecastFacts = z.strictObject({
  services: z.array(ServiceFacts),
  /** The job's usual successful run, for what a recovery costs. */
  job_median_min: z.number().nullable(),
});

export const Facts = z.strictObject({
  job: z.string(),
  runKey: z.string(),
  attempt: z.number(),
  failure: FailureFacts,
  history: z.array(RunSummary),
  signature: SignatureFacts,
  forecast: ForecastFacts,
  downstreamJobs: z.array(z.string()),
});
export type Facts = z.infer<typeof Facts>;
export type RunSummary = z.infer<typeof RunSummary>;
export type FailureFacts = z.infer<typeof FailureFacts>;
export type SignatureFacts = z.infer<typeof SignatureFacts>;
export type ForecastFacts = z.infer<typeof ForecastFacts>;
