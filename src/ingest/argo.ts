import { z } from 'zod';
import type { NormalizedRunEvent, RunEventType } from '../runs/schema.ts';
import type { Adapter, AdapterContext } from './adapter.ts';
import { upstreamSteps } from './argo-lineage.ts';
import { lineageOf } from './lineage.ts';
import { compact, firstDate, isoDate, rejected } from './payload.ts';

const When = z.string().nullable().optional().refine((s) => !s || !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 date-time' });
const Phase = z.enum(['Pending', 'Running', 'Succeeded', 'Skipped', 'Failed', 'Error', 'Omitted']);

const Node = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  displayName: z.string().optional(),
  type: z.string().min(1),
  templateName: z.string().optional(),
  phase: Phase.optional(),
  startedAt: When,
  finishedAt: When,
  message: z.string().optional(),
  children: z.array(z.string()).optional(),
});
type Node = z.infer<typeof Node>;

/** An Argo Workflow object as `argo get -o json` or the API's `GET /api/v1/workflows/{ns}/{name}` returns it. */
const Workflow = z.looseObject({
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    uid: z.string().min(1).optional(),
    generateName: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({ workflowTemplateRef: z.looseObject({ name: z.string() }).optional() }).optional(),
  status: z.looseObject({
    phase: Phase.optional(),
    startedAt: When,
    finishedAt: When,
    message: z.string().optional(),
    nodes: z.record(z.string(), Node).optional(),
  }).optional(),
});
type Workflow = z.infer<typeof Workflow>;

const PHASES: Record<z.infer<typeof Phase>, RunEventType> = {
  Pending: 'queued', Running: 'running', Succeeded: 'completed', Failed: 'failed', Error: 'failed', Skipped: 'skipped', Omitted: 'skipped',
};

/** The job a workflow runs: its template, cron workflow, or generated-name stem. */
function workflowJob(w: Workflow): string {
  const labels = w.metadata.labels ?? {};
  return w.spec?.workflowTemplateRef?.name ?? labels['workflows.argoproj.io/workflow-template']
    ?? labels['workflows.argoproj.io/cron-workflow'] ?? w.metadata.generateName?.replace(/-$/, '') ?? w.metadata.name;
}

interface Ids {
  namespace: string;
  source: string;
  job: string;
  wfName: string;
  runKey: string;
}

function nodeEvent(ids: Ids, node: Node, step: string, attempt: number, runKey: string, fallback: Date): NormalizedRunEvent | undefined {
  if (!node.phase) return undefined;
  const eventType = PHASES[node.phase];
  const [start, end] = [isoDate(node.startedAt), isoDate(node.finishedAt)];
  const failed = eventType === 'failed';
  return {
    orchestrator: 'argo', source: ids.source, eventType, eventTime: firstDate(end, start) ?? fallback,
    job: { namespace: ids.namespace, name: `${ids.job}.${step}` },
    run: { runKey, externalId: node.id, attempt },
    ...compact({ startedAt: start, endedAt: eventType === 'running' || eventType === 'queued' ? undefined : end,
      error: failed ? { message: node.message ?? `step ${step} ${node.phase?.toLowerCase()}` } : undefined }),
    parent: { job: { namespace: ids.namespace, name: ids.job }, runKey: ids.runKey },
    facets: compact({ workflow: ids.wfName, node: node.name, template: node.templateName, phase: node.phase }),
  };
}

/** Pod nodes are the work: a Retry node is one run, its Pod children (in order) its attempts. */
function podEvents(ids: Ids, nodes: Record<string, Node>, fallback: Date): NormalizedRunEvent[] {
  const rel = (n: Node) => (n.name.startsWith(`${ids.wfName}.`) ? n.name.slice(ids.wfName.length + 1) : n.displayName ?? n.name);
  const attemptOf = new Map<string, { retry: Node; attempt: number }>();
  for (const n of Object.values(nodes)) {
    if (n.type !== 'Retry') continue;
    (n.children ?? []).forEach((child, i) => attemptOf.set(child, { retry: n, attempt: i + 1 }));
  }
  const upstream = upstreamSteps(nodes, (n) => stepOf(nodes, n, attemptOf, rel));
  const events: NormalizedRunEvent[] = [];
  for (const n of Object.values(nodes)) {
    if (n.type !== 'Pod') continue;
    const parent = attemptOf.get(n.id);
    const step = parent ? rel(parent.retry) : rel(n);
    const e = nodeEvent(ids, n, step, parent?.attempt ?? 1, `${ids.runKey}/${parent?.retry.id ?? n.id}`, fallback);
    if (!e) continue;
    const after = [...(upstream.get(step) ?? [])].sort().map((s) => ({ namespace: ids.namespace, name: `${ids.job}.${s}` }));
    const lineage = after.length > 0 ? lineageOf(e.job, { upstream: after }) : undefined;
    events.push(lineage ? { ...e, lineage } : e);
  }
  return events;
}

/**
 * The step a node is the work of, named as its run's job is: a Pod (an attempt counts for its
 * Retry), or a Retry of Pods. Other nodes (DAG, Steps, StepGroup, a Retry of a template) only
 * connect steps.
 */
function stepOf(nodes: Record<string, Node>, n: Node, attemptOf: Map<string, { retry: Node }>, rel: (n: Node) => string): string | undefined {
  if (n.type === 'Pod') return rel(attemptOf.get(n.id)?.retry ?? n);
  if (n.type === 'Retry' && (n.children ?? []).every((c) => nodes[c]?.type === 'Pod')) return rel(n);
  return undefined;
}

function workflowEvent(ids: Ids, w: Workflow, fallback: Date): NormalizedRunEvent | undefined {
  const s = w.status;
  if (!s?.phase) return undefined;
  const eventType = PHASES[s.phase];
  const [start, end] = [isoDate(s.startedAt), isoDate(s.finishedAt)];
  return {
    orchestrator: 'argo', source: ids.source, eventType, eventTime: firstDate(end, start) ?? fallback,
    job: { namespace: ids.namespace, name: ids.job },
    run: { runKey: ids.runKey, externalId: ids.wfName, attempt: 1 },
    ...compact({ startedAt: start, endedAt: eventType === 'running' || eventType === 'queued' ? undefined : end,
      error: eventType === 'failed' ? { message: s.message ?? `workflow ${ids.wfName} ${s.phase.toLowerCase()}` } : undefined }),
    facets: compact({ workflow: ids.wfName, argoNamespace: w.metadata.namespace, phase: s.phase }),
  };
}

/** Reads an Argo Workflow's status: one run for the workflow, one per step, retries as attempts. */
export const argoAdapter: Adapter = (payload, ctx: AdapterContext) => {
  const parsed = Workflow.safeParse(payload);
  if (!parsed.success) return rejected(parsed.error);
  const w = parsed.data;
  const ids: Ids = {
    namespace: w.metadata.namespace ?? 'default', source: ctx.source ?? 'argo', job: workflowJob(w),
    wfName: w.metadata.name, runKey: w.metadata.uid ?? w.metadata.name,
  };
  const fallback = isoDate(w.status?.startedAt) ?? ctx.receivedAt;
  const own = workflowEvent(ids, w, fallback);
  return { kind: 'events', events: [...(own ? [own] : []), ...podEvents(ids, w.status?.nodes ?? {}, fallback)] };
};
