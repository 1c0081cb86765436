import type { IncidentClass, Policy } from './schema.ts';

/** What a candidate set changes against another, by policy id and class name. */
export interface RevisionChanges {
  added: string[];
  removed: string[];
  /** Present in both with a different definition (match, action, approval, guardrails, priority …). */
  changed: string[];
  unchanged: number;
  classes: { added: string[]; removed: string[]; changed: string[] };
}

interface Comparable {
  policies: readonly Policy[];
  classes: readonly IncidentClass[];
}

/** JSON with keys sorted, so that two definitions compare equal whatever order their fields were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function diffBy<T>(before: readonly T[], after: readonly T[], key: (x: T) => string) {
  const old = new Map(before.map((x) => [key(x), canonical(x)]));
  const now = new Map(after.map((x) => [key(x), canonical(x)]));
  const sorted = (xs: Iterable<string>) => [...xs].sort();
  return {
    added: sorted([...now.keys()].filter((k) => !old.has(k))),
    removed: sorted([...old.keys()].filter((k) => !now.has(k))),
    changed: sorted([...now.entries()].filter(([k, v]) => old.has(k) && old.get(k) !== v).map(([k]) => k)),
    same: [...now.entries()].filter(([k, v]) => old.get(k) === v).length,
  };
}

/** The short summary `medic policies apply` shows: policies and classes added, removed and changed. */
export function compareSets(before: Comparable, after: Comparable): RevisionChanges {
  const p = diffBy(before.policies, after.policies, (x) => x.id);
  const c = diffBy(before.classes, after.classes, (x) => x.name);
  return { added: p.added, removed: p.removed, changed: p.changed, unchanged: p.same, classes: { added: c.added, removed: c.removed, changed: c.changed } };
}

/** True when the candidate changes no policy and no class (only comments or layout differ). */
export const changesNothing = (c: RevisionChanges): boolean =>
  c.added.length + c.removed.length + c.changed.length + c.classes.added.length + c.classes.removed.length + c.classes.changed.length === 0;
