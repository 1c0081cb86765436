/**
 * `--fail-if` thresholds of `medic policies diff`: `counter op number`, such as
 * `unrecoverable_retries>0` or `approvals_removed_on_destructive >= 1`. A diff whose counters
 * trip any of them fails (exit 1), so it can gate a pull request.
 */
import { COUNTER_NAMES, COUNTERS, type CounterName } from './diff-counters.ts';
import type { GateResult } from './diff-schema.ts';

const OPS = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type Op = (typeof OPS)[number];

export interface Gate {
  expression: string;
  counter: CounterName;
  op: Op;
  value: number;
}

export type ParsedGate = { kind: 'ok'; gate: Gate } | { kind: 'invalid'; message: string };

const isCounter = (name: string): name is CounterName => Object.hasOwn(COUNTERS, name);

/** Parses one threshold; an unknown counter's message lists the known ones. */
export function parseGate(expression: string): ParsedGate {
  const m = /^\s*([a-z_]+)\s*(>=|<=|==|!=|>|<|=)\s*(\d+(?:\.\d+)?)\s*$/.exec(expression);
  if (!m) return { kind: 'invalid', message: `--fail-if "${expression}": expected COUNTER OP NUMBER, e.g. unrecoverable_retries>0 (OP one of ${OPS.join(' ')})` };
  const [, name = '', op = '', value = ''] = m;
  if (!isCounter(name)) return { kind: 'invalid', message: `--fail-if "${expression}": no counter named ${name}; the counters are ${COUNTER_NAMES.join(', ')}` };
  return { kind: 'ok', gate: { expression: expression.trim(), counter: name, op: op === '=' ? '==' : (op as Op), value: Number(value) } };
}

function holds(actual: number, op: Op, value: number): boolean {
  switch (op) {
    case '>': return actual > value;
    case '>=': return actual >= value;
    case '<': return actual < value;
    case '<=': return actual <= value;
    case '==': return actual === value;
    case '!=': return actual !== value;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** Each threshold against the counters: tripped when its condition holds. */
export function checkGates(gates: readonly Gate[], counters: Record<CounterName, number>): GateResult[] {
  return gates.map((g) => ({ ...g, actual: counters[g.counter], tripped: holds(counters[g.counter], g.op, g.value) }));
}
