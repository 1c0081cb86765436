/**
 * The day's Argo Workflow as `argo get -o json` shows it once done: a DAG node, and per step a
 * Retry node whose Pod children are its attempts; the attempt that succeeded links to the steps
 * after it, as Argo links DAG tasks. Steps that never ran have no node. No sizes: Argo has none.
 */
import { iso, msAt, runsOn, type RunOf } from './formats-shared.ts';
import type { PlannedDay } from './plan.ts';
import type { World } from './world.ts';

const stepOf = (r: RunOf) => r.job.job.slice(r.job.job.lastIndexOf('.') + 1);

/** The day's workflow of the world's Argo steps, or null when none ran. */
export function argoWorkflow(world: World, day: PlannedDay): unknown {
  const runs = runsOn(world, day, 'argo');
  const first = runs[0];
  if (!first) return null;
  const template = first.job.group;
  const wfName = `${template}-${day.slot.toISOString().slice(0, 10).replaceAll('-', '')}`;
  const nodes: Record<string, object> = {};
  const retryIds = new Map(runs.map((r) => [r.job.id, `${wfName}-${day.r.int(1e9, 4e9)}`]));
  for (const r of runs) {
    const step = stepOf(r);
    const retryId = retryIds.get(r.job.id) as string;
    // The attempt that succeeded leads to the steps of this workflow that wait for it.
    const next = r.job.children.flatMap((c) => retryIds.get(c) ?? []);
    const children = r.run.attempts.map((a, i) => {
      const id = `${wfName}-${day.r.int(1e9, 4e9)}`;
      nodes[id] = {
        id, name: `${wfName}.${step}(${i})`, displayName: `${step}(${i})`, type: 'Pod', templateName: step,
        phase: a.failed ? 'Failed' : 'Succeeded', startedAt: iso(msAt(day, a.start)), finishedAt: iso(msAt(day, a.end)), boundaryID: wfName,
        ...(a.failed ? { message: a.cause === 'inherited' ? 'Error (exit code 1): input not found' : 'OOMKilled (exit code 137)' } : {}),
        ...(!a.failed && next.length > 0 ? { children: next } : {}),
      };
      return id;
    });
    const [a0, aN] = [r.run.attempts[0], r.run.attempts.at(-1)];
    nodes[retryId] = {
      id: retryId, name: `${wfName}.${step}`, displayName: step, type: 'Retry', phase: r.run.failed ? 'Failed' : 'Succeeded',
      startedAt: iso(msAt(day, a0?.start ?? 0)), finishedAt: iso(msAt(day, aN?.end ?? 0)), boundaryID: wfName, children,
      ...(r.run.failed ? { message: 'No more retries left' } : {}),
    };
  }
  const inWorkflow = new Set(runs.map((r) => r.job.id));
  const entry = runs.filter((r) => !r.job.parents.some((p) => inWorkflow.has(p))).map((r) => retryIds.get(r.job.id) as string);
  const start = Math.min(...runs.map((r) => msAt(day, r.run.attempts[0]?.start ?? 0))) - 20_000;
  const end = Math.max(...runs.map((r) => msAt(day, r.run.attempts.at(-1)?.end ?? 0)));
  const failed = runs.some((r) => r.run.failed);
  const phase = failed ? 'Failed' : 'Succeeded';
  nodes[wfName] = { id: wfName, name: wfName, displayName: wfName, type: 'DAG', templateName: 'main', phase, startedAt: iso(start), finishedAt: iso(end), children: entry };
  return {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow',
    metadata: {
      name: wfName, namespace: 'batch', uid: day.r.uuid(), generateName: `${template}-`,
      labels: { 'workflows.argoproj.io/completed': 'true', 'workflows.argoproj.io/phase': phase, 'workflows.argoproj.io/workflow-template': template },
    },
    spec: { entrypoint: 'main', workflowTemplateRef: { name: template } },
    status: { phase, startedAt: iso(start), finishedAt: iso(end), nodes, ...(failed ? { message: 'child failed' } : {}) },
  };
}
