import type { Queryable } from '../db/pool.ts';
import {
  daysSeen, getIncident, incidentRuns, resolutionStats, signatureEmbedding, similarSignatures,
  type ActionStats, type IncidentView,
} from './read-sql.ts';
import { listIncidents } from './read-sql.ts';

/** PagerDuty-style outlier label from the days a signature failed in the 30 days before. */
export type OutlierLabel = 'new' | 'rare' | 'occasional' | 'frequent';

/** frequent ≥ 20 % of the last 30 days, rare ≤ 5 % (at most one day), new = not seen at all. */
export function outlierLabel(daysSeenIn30: number): OutlierLabel {
  if (daysSeenIn30 === 0) return 'new';
  if (daysSeenIn30 / 30 <= 0.05) return 'rare';
  if (daysSeenIn30 / 30 >= 0.2) return 'frequent';
  return 'occasional';
}

export interface Fix {
  action: string;
  detail: string | null;
  successes: number;
  attempts: number;
  median_ttr_ms: number | null;
  /** e.g. "retry fixed it 12 of 14 times, median 11 min" */
  summary: string;
}

export interface SimilarIncident {
  incident_id: number;
  title: string;
  status: string;
  similarity: number;
  resolution: IncidentView['resolution'];
}

/** Folds per-signature statistics into one line per action, best success rate first. */
export function summariseFixes(stats: ActionStats[]): Fix[] {
  const byAction = new Map<string, { s: number; n: number; ttr: number[]; detail: string | null }>();
  for (const x of stats) {
    const acc = byAction.get(x.action) ?? { s: 0, n: 0, ttr: [], detail: x.detail };
    acc.s += x.successes;
    acc.n += x.attempts;
    if (x.median_ttr_ms !== null) acc.ttr.push(x.median_ttr_ms);
    byAction.set(x.action, acc);
  }
  return [...byAction.entries()]
    .map(([action, a]) => {
      const ttr = a.ttr.length ? a.ttr.sort((p, q) => p - q)[Math.floor(a.ttr.length / 2)] ?? null : null;
      const median = ttr === null ? '' : `, median ${Math.max(1, Math.round(ttr / 60_000))} min`;
      return {
        action, detail: a.detail, successes: a.s, attempts: a.n, median_ttr_ms: ttr,
        summary: `${action.replace('_', ' ')} fixed it ${a.s} of ${a.n} times${median}`,
      };
    })
    .sort((x, y) => y.successes / Math.max(1, y.attempts) - x.successes / Math.max(1, x.attempts) || y.attempts - x.attempts);
}

export interface Evidence {
  similar_incidents: SimilarIncident[];
  fixes: Fix[];
  outlier: { label: OutlierLabel; days_seen_in_30: number };
}

/**
 * What Medic knows that helps with a failure of this signature: the most similar past incidents
 * (excluding `excludeIncident`), what fixed them and how often, and how unusual the failure is.
 */
export async function evidenceFor(
  db: Queryable, signatureId: number, at: Date, excludeIncident: number | null, k = 5, minSimilarity = 0.75,
): Promise<Evidence> {
  const embedding = await signatureEmbedding(db, signatureId);
  const similar = embedding ? await similarSignatures(db, embedding, k, minSimilarity) : [];
  const ids = similar.map((s) => s.id);
  const stats = await resolutionStats(db, ids, excludeIncident);
  const incidents: SimilarIncident[] = [];
  for (const s of similar) {
    for (const i of await listIncidents(db, { signatureId: s.id, limit: 3 })) {
      if (i.id !== excludeIncident && i.opened_at <= at) {
        incidents.push({ incident_id: i.id, title: i.title, status: i.status, similarity: round(s.similarity), resolution: i.resolution });
      }
    }
  }
  const days = await daysSeen(db, signatureId, at, excludeIncident);
  return {
    similar_incidents: incidents.sort((a, b) => b.similarity - a.similarity || b.incident_id - a.incident_id).slice(0, k),
    fixes: summariseFixes(stats),
    outlier: { label: outlierLabel(days), days_seen_in_30: days },
  };
}

/** An incident with everything an on-call engineer needs to decide. */
export async function incidentDetail(db: Queryable, id: number) {
  const incident = await getIncident(db, id);
  if (!incident) return undefined;
  const [runs, evidence] = await Promise.all([
    incidentRuns(db, id),
    evidenceFor(db, incident.signature.id, incident.opened_at, incident.id),
  ]);
  return { ...incident, runs, evidence };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
