/**
 * How Medic sees an Argo target: the workflow's phase, and the workflows resubmitted from it
 * (Argo labels each `workflows.argoproj.io/resubmitted-from-workflow`). A retry shows as a phase
 * that left Failed/Error or as a new resubmission; a rerun as a new resubmission.
 */
import { authorizedCall, type Credentials } from './auth.ts';
import type { ArgoConnection } from './config.ts';
import type { ArgoTarget } from './executor.ts';
import type { HttpDeps } from './http.ts';
import { field, observationFailed, observed, type Compare, type Observation } from './remedy.ts';

/** The label Argo puts on a workflow resubmitted from another. */
export const RESUBMITTED_FROM = 'workflows.argoproj.io/resubmitted-from-workflow';

const enc = encodeURIComponent;
const get = (url: string) => ({ method: 'GET' as const, url, headers: { accept: 'application/json' } });

export async function observeArgo(c: ArgoConnection, credentials: Credentials, deps: HttpDeps, t: ArgoTarget): Promise<Observation> {
  const base = `${c.url}/api/v1/workflows/${enc(t.namespace)}`;
  const wf = await authorizedCall(get(`${base}/${enc(t.name)}`), credentials, c, deps, `Argo get ${t.namespace}/${t.name}`);
  if (wf.kind === 'failed') return observationFailed(wf.outcome);
  const list = await authorizedCall(get(`${base}?listOptions.labelSelector=${enc(`${RESUBMITTED_FROM}=${t.name}`)}`), credentials, c, deps, `Argo list ${t.namespace}`);
  if (list.kind === 'failed') return observationFailed(list.outcome);
  const items = field(list.response.json, 'items');
  const resubmitted = Array.isArray(items) ? items.map((w: unknown) => field(field(w, 'metadata'), 'name')).filter((n): n is string => typeof n === 'string') : [];
  return observed({ phase: field(field(wf.response.json, 'status'), 'phase'), resubmitted: resubmitted.sort() });
}

const names = (s: Record<string, unknown>) => (Array.isArray(s.resubmitted) ? (s.resubmitted as string[]) : []);

export const compareArgo: Compare = (action, before, after) => {
  const fresh = names(after).filter((n) => !names(before).includes(n));
  const detail = `phase ${String(before.phase)} → ${String(after.phase)}${fresh.length ? `; resubmitted as ${fresh.join(', ')}` : ''}`;
  if (fresh.length > 0) return { applied: true, detail };
  const left = (before.phase === 'Failed' || before.phase === 'Error') && after.phase !== before.phase;
  return { applied: action.kind === 'retry' && left, detail };
};
