import { z } from 'zod';

/** How an incident can be ended by a person or a tool through the API. */
export const ResolveBody = z.strictObject({
  action: z.string().min(1).max(100).describe('what was done: retry, rerun, manual_fix, config_change …'),
  detail: z.string().max(2_000).optional().describe('e.g. "after 10 min", "raised the pool size"'),
  actor: z.string().min(1).max(200).optional().describe('who did it; defaults to the token name'),
  outcome: z.enum(['success', 'failure', 'noise']).default('success')
    .describe('success: it fixed the failure; failure: it did not; noise: not a real incident'),
  resolved_at: z.coerce.date().optional(),
});
export type ResolveBody = z.infer<typeof ResolveBody>;

export const IncidentStatus = z.enum(['open', 'proposed', 'approved', 'executing', 'resolved', 'closed']);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

export const MatchBody = z.strictObject({
  text: z.string().min(1).max(200_000).describe('a failure message, stack trace or log excerpt'),
  detail: z.string().max(200_000).optional().describe('a stack trace or log that goes with the message'),
  k: z.coerce.number().int().min(1).max(50).default(5),
});
