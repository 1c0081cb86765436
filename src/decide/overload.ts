/**
 * Admission for the decision endpoint. A failure storm makes every task ask at once; past what
 * the process can answer in time, queueing only makes every answer late (and the orchestrator's
 * own timeout turns it into no answer). So a request is admitted while fewer than `maxInFlight`
 * decisions are being taken and it did not already wait `shedAfterMs` for its turn on the event
 * loop while others were in progress; otherwise it is answered at once — the safe default with `reason: "overloaded"`, or 429
 * with `Retry-After` when the caller asked for that — and admission resumes the moment load drops.
 */
export interface Admission {
  /** Admits a request that has waited `waitedMs` since it arrived; the answer says why not. */
  admit(waitedMs: number): { kind: 'admitted'; release: () => void } | { kind: 'overloaded'; detail: string };
  readonly inFlight: number;
}

export function createAdmission(o: { maxInFlight: number; shedAfterMs: number }): Admission {
  let inFlight = 0;
  return {
    admit(waitedMs) {
      if (inFlight >= o.maxInFlight) return { kind: 'overloaded', detail: `${inFlight} decisions already in progress` };
      // Alone, a slow turn is a pause (start-up, a collection), not a queue of decisions.
      if (waitedMs > o.shedAfterMs && inFlight >= 2) return { kind: 'overloaded', detail: `the request waited ${Math.round(waitedMs)} ms for its turn` };
      inFlight++;
      let released = false;
      return {
        kind: 'admitted',
        release: () => {
          if (!released) inFlight--;
          released = true;
        },
      };
    },
    get inFlight() {
      return inFlight;
    },
  };
}
