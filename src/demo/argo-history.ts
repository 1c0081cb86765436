import { failureKinds } from './failures.ts';
import { MINUTE, type Random } from './random.ts';

/** The ML feature pipeline on Argo Workflows: fetch → transform (with retries) → train. */
export const featurePipeline = {
  namespace: 'ml',
  name: 'feature-pipeline',
  slotHourUtc: 2,
  steps: [
    { id: 'fetch', medianMin: 6, sigma: 0.2, failP: 0 },
    { id: 'transform', medianMin: 25, sigma: 0.4, failP: 0.15 },
    { id: 'train', medianMin: 40, sigma: 0.3, failP: 0 },
  ],
} as const;

interface ArgoNode {
  id: string;
  name: string;
  displayName: string;
  type: 'DAG' | 'Pod' | 'Retry';
  templateName?: string;
  phase: 'Succeeded' | 'Failed';
  startedAt: string;
  finishedAt: string;
  boundaryID?: string;
  children?: string[];
  message?: string;
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

/** One day's Workflow object as `argo get -o json` shows it after it finished. */
export function featurePipelineDay(r: Random, slot: Date): unknown {
  const wfName = `${featurePipeline.name}-${slot.toISOString().slice(0, 10).replaceAll('-', '')}`;
  const nodes: Record<string, ArgoNode> = {};
  let t = slot.getTime() + r.int(10, 90) * 1000;
  let failed = false;
  const rootChildren: string[] = [];
  let lastPod: ArgoNode | undefined;
  for (const step of featurePipeline.steps) {
    const retryId = `${wfName}-${r.int(1e9, 4e9)}`;
    rootChildren.push(retryId);
    // As Argo links a DAG task to its successor: from the attempt that succeeded.
    if (lastPod) lastPod.children = [retryId];
    const attempts: string[] = [];
    const started = t;
    let ok = false;
    for (let i = 0; i < 3 && !ok; i++) {
      const podId = `${wfName}-${r.int(1e9, 4e9)}`;
      const duration = r.lognormal(step.medianMin, step.sigma) * MINUTE;
      const fails = r.chance(i === 0 ? step.failP : step.failP / 2);
      const end = t + (fails ? duration * r.next() : duration);
      nodes[podId] = {
        id: podId, name: `${wfName}.${step.id}(${i})`, displayName: `${step.id}(${i})`, type: 'Pod',
        templateName: step.id, phase: fails ? 'Failed' : 'Succeeded', startedAt: iso(t), finishedAt: iso(end),
        boundaryID: wfName, ...(fails ? { message: failureKinds.oomKilled(r).message } : {}),
      };
      attempts.push(podId);
      lastPod = nodes[podId];
      ok = !fails;
      t = end + 30_000;
    }
    nodes[retryId] = {
      id: retryId, name: `${wfName}.${step.id}`, displayName: step.id, type: 'Retry', phase: ok ? 'Succeeded' : 'Failed',
      startedAt: iso(started), finishedAt: iso(t - 30_000), boundaryID: wfName, children: attempts,
      ...(ok ? {} : { message: 'No more retries left' }),
    };
    if (!ok) {
      failed = true;
      break;
    }
  }
  nodes[wfName] = {
    id: wfName, name: wfName, displayName: wfName, type: 'DAG', templateName: 'main', phase: failed ? 'Failed' : 'Succeeded',
    startedAt: iso(slot.getTime()), finishedAt: iso(t), children: rootChildren.slice(0, 1),
  };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name: wfName, namespace: featurePipeline.namespace, uid: r.uuid(), generateName: `${featurePipeline.name}-`,
      labels: { 'workflows.argoproj.io/completed': 'true', 'workflows.argoproj.io/phase': failed ? 'Failed' : 'Succeeded' },
    },
    spec: { entrypoint: 'main' },
    status: { phase: failed ? 'Failed' : 'Succeeded', startedAt: iso(slot.getTime()), finishedAt: iso(t), nodes },
  };
}
