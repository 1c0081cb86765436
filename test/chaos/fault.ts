/**
 * The fault campaign's shape: each fault is a function that breaks something real (a process
 * killed with SIGKILL, a server restarted, a clock moved, a disk filled) around real load, then
 * counts what survived. `chaos.test.ts` runs each once at a small scale in the suite; `npm run
 * chaos` runs them larger and prints the table.
 */
export interface FaultReport {
  fault: string;
  survived: boolean;
  /** What was counted: events sent, acknowledged, lost, duplicated; requests answered 503 … */
  counts: Record<string, number>;
  /** What a failing fault saw, for the reader. */
  notes: string[];
}

export interface FaultOptions {
  /** 1 in the suite; `npm run chaos -- --scale N` multiplies the load. */
  scale: number;
}

export interface Fault {
  name: string;
  /** What the fault needs of this machine; undefined when it can run. */
  skip(): string | undefined;
  run(options: FaultOptions): Promise<FaultReport>;
}

/** Builds a report whose `survived` is the conjunction of named checks, each noted when it fails. */
export function verdict(fault: string, counts: Record<string, number>, checks: Record<string, boolean>, notes: string[] = []): FaultReport {
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([what]) => `not held: ${what}`);
  return { fault, survived: failed.length === 0, counts, notes: [...failed, ...notes] };
}
