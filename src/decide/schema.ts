/**
 * What orchestrators ask the decision endpoint, in the shape of Open Policy Agent's data API:
 * `{"input": …}` in, `{"decision_id", "result"}` out. Two kinds of input: a *failure* (a run
 * failed: what now?) and a *preflight* (may this job start?).
 */
import { z } from 'zod';
import { splitJob } from '../runs/job-name.ts';
import { Orchestrator } from '../runs/schema.ts';

/** A job as `namespace/name` or as an object; both become the object. */
export const JobInput = z.union([
  z.string().regex(/^[^/\s]+\/\S+$/, 'must be namespace/name, e.g. airflow-prod/finance_close.load_dw')
    .transform(splitJob),
  z.strictObject({ namespace: z.string().min(1).max(500), name: z.string().min(1).max(1_000) }),
]);

const Common = {
  /** The source instance asking (`airflow-prod`). */
  source: z.string().min(1).max(200).optional(),
  orchestrator: Orchestrator.optional(),
  job: JobInput,
  run: z.strictObject({
    /** The logical run (DAG run id, workflow, order id, submission). */
    key: z.string().min(1).max(1_000).optional(),
    id: z.string().min(1).max(1_000).optional(),
  }).optional(),
  /** When it happened; now when absent. */
  time: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  /** Who or what asks, for separation of duties on approvals. */
  requester: z.string().min(1).max(200).optional(),
};

export const FailureInput = z.strictObject({
  kind: z.literal('failure'),
  ...Common,
  /** Which attempt just failed (Airflow's try_number). @defaultValue 1 */
  attempt: z.number().int().min(1).max(10_000).default(1),
  error: z.strictObject({
    message: z.string().min(1).max(100_000),
    /** Stack trace or log excerpt. */
    detail: z.string().max(1_000_000).optional(),
  }),
  /** What an action would act on, when it is not the job itself (a DAG, a workflow, a folder). */
  target: z.string().min(1).max(1_000).optional(),
});
export type FailureInput = z.infer<typeof FailureInput>;

export const DatasetInput = z.strictObject({
  /** `namespace/name` as OpenLineage names datasets. */
  dataset: z.string().min(1).max(2_000),
  row_count: z.number().int().min(0).optional(),
  bytes: z.number().int().min(0).optional(),
});

export const PreflightInput = z.strictObject({
  kind: z.literal('preflight'),
  ...Common,
  /** The inputs as the job is about to read them; Medic looks up the latest it knows when absent. */
  inputs: z.array(DatasetInput).max(1_000).optional(),
});
export type PreflightInput = z.infer<typeof PreflightInput>;

export const DecisionInput = z.discriminatedUnion('kind', [FailureInput, PreflightInput]);
export type DecisionInput = z.infer<typeof DecisionInput>;

/** The body of `POST /v1/decide`. */
export const DecideRequest = z.strictObject({ input: DecisionInput });
