import type { DecideDeps } from './decide.ts';

/**
 * How long a decision nobody waits on in milliseconds may gather. `MEDIC_DECIDE_TIMEOUT_MS`
 * protects orchestrators waiting on the decision endpoint; a worker deciding after an analysis, or
 * a person at a terminal, would only get the safe default from a cold process for their trouble.
 * @defaultValue 5 s (or the endpoint's, if longer)
 */
export const PATIENT_DECIDE_TIMEOUT_MS = 5_000;

/** The same dependencies, with the gathering allowed `PATIENT_DECIDE_TIMEOUT_MS` when that is longer. */
export function patient<D extends Pick<DecideDeps, 'config'>>(deps: D): D {
  return { ...deps, config: { ...deps.config, decideTimeoutMs: Math.max(deps.config.decideTimeoutMs, PATIENT_DECIDE_TIMEOUT_MS) } };
}
