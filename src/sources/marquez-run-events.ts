/**
 * A run from Marquez's runs API, told again as the OpenLineage RunEvents that made it: a START
 * at `startedAt`, then COMPLETE, FAIL or ABORT at `endedAt`. It is the fallback for a Marquez
 * without the events API; the run keeps its id, its job, its facets (the error message among
 * them) and its dataset versions as inputs and outputs, which is what ingest reads.
 */
import { z } from 'zod';
import { isObject, timeOf } from './marquez-http.ts';

/** Marks events rebuilt from a run rather than sent by a producer, for whoever reads them later. */
export const REBUILT_PRODUCER = 'urn:medic:marquez-runs-api';
const RUN_EVENT_SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent';

const Time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time');
const Facets = z.record(z.string(), z.unknown());

/** The parts of Marquez's `Run` read here (Marquez 0.2x to 0.5x); the rest is ignored. */
const MarquezRun = z.looseObject({
  id: z.string().min(1),
  createdAt: Time.nullish(),
  updatedAt: Time,
  state: z.enum(['NEW', 'RUNNING', 'COMPLETED', 'ABORTED', 'FAILED']),
  startedAt: Time.nullish(),
  endedAt: Time.nullish(),
  nominalStartTime: Time.nullish(),
  nominalEndTime: Time.nullish(),
  facets: Facets.nullish(),
  inputDatasetVersions: z.array(z.unknown()).nullish(),
  outputDatasetVersions: z.array(z.unknown()).nullish(),
});
type MarquezRun = z.infer<typeof MarquezRun>;

/** Marquez's end states, as the OpenLineage event that ends a run in them. */
const TERMINAL: Partial<Record<MarquezRun['state'], string>> = { COMPLETED: 'COMPLETE', FAILED: 'FAIL', ABORTED: 'ABORT' };

export type ReadRun =
  | { kind: 'ok'; events: Record<string, unknown>[]; updatedAt: number; startedAt: number }
  | { kind: 'bad'; field: string; detail: string };

/**
 * A dataset version as an OpenLineage dataset; its facets in the run's context become the
 * input or output facets they were sent as. One without a name is left out, not the run.
 */
function dataset(v: unknown, facetsKey: 'inputFacets' | 'outputFacets'): Record<string, unknown>[] {
  const id = isObject(v) && isObject(v.datasetVersionId) ? v.datasetVersionId : undefined;
  if (typeof id?.namespace !== 'string' || typeof id.name !== 'string') return [];
  const facets = isObject(v) && isObject(v.facets) && Object.keys(v.facets).length > 0 ? { [facetsKey]: v.facets } : {};
  return [{ namespace: id.namespace, name: id.name, ...facets }];
}

/** The run's facets, with the nominal time Marquez keeps as fields put back as its facet. */
function runFacets(run: MarquezRun): Record<string, unknown> {
  const facets: Record<string, unknown> = { ...run.facets };
  if (facets.nominalTime === undefined && run.nominalStartTime) {
    facets.nominalTime = { nominalStartTime: run.nominalStartTime, ...(run.nominalEndTime ? { nominalEndTime: run.nominalEndTime } : {}) };
  }
  return facets;
}

/** The events `run` of `job` amounts to; `field` names what is wrong when it cannot be read. */
export function runEvents(raw: unknown, job: { namespace: string; name: string }): ReadRun {
  const parsed = MarquezRun.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { kind: 'bad', field: issue ? issue.path.join('.') : '', detail: issue?.message ?? 'is not a run' };
  }
  const run = parsed.data;
  const facets = runFacets(run);
  const base = {
    producer: REBUILT_PRODUCER,
    schemaURL: RUN_EVENT_SCHEMA,
    job: { namespace: job.namespace, name: job.name },
    inputs: (run.inputDatasetVersions ?? []).flatMap((v) => dataset(v, 'inputFacets')),
    outputs: (run.outputDatasetVersions ?? []).flatMap((v) => dataset(v, 'outputFacets')),
  };
  const event = (eventType: string, eventTime: string, runFacets: Record<string, unknown>) =>
    ({ eventType, eventTime, run: { runId: run.id, facets: runFacets }, ...base });
  const end = TERMINAL[run.state];
  // An error belongs to the run's last event: on the START of a run that then ended, it would
  // date the failure to the start.
  const { errorMessage: _error, ...withoutError } = facets;
  const startFacets = end ? withoutError : facets;
  const events: Record<string, unknown>[] = [];
  if (run.startedAt) events.push(event('START', run.startedAt, startFacets));
  else if (run.state === 'RUNNING') events.push(event('RUNNING', run.updatedAt, startFacets));
  if (end) events.push(event(end, run.endedAt ?? run.updatedAt, facets));
  const updatedAt = timeOf(run.updatedAt) ?? 0;
  return { kind: 'ok', events, updatedAt, startedAt: timeOf(run.startedAt) ?? timeOf(run.createdAt) ?? updatedAt };
}
