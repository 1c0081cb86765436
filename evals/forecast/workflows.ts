/**
 * Real repeated workflow runs (WfInstances, Makeflow blast and bwa, 5 replicates per size):
 * forecast each held-out replicate's makespan from the other four, as a service whose run-time
 * history is those replicates, and as a DAG of its tasks (which ignores that the tasks share a
 * handful of machines). `npm run eval:forecast` prints both; data: wfcommons/WfInstances (LGPL-3.0).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forecast } from '../../src/sla/forecast.ts';
import { buildJobModel } from '../../src/sla/model.ts';

const DATA = fileURLToPath(new URL('../../../shared/data/workflow-runs/makeflow', import.meta.url));

interface Instance { makespanMs: number; tasks: { id: string; parents: string[]; runtimeMs: number }[] }

function load(file: string): Instance {
  const d = JSON.parse(readFileSync(file, 'utf8')) as { workflow: { specification: { tasks: { id: string; parents?: string[] }[] }; execution: { makespanInSeconds: number; tasks: { id: string; runtimeInSeconds: number }[] } } };
  const runtime = new Map(d.workflow.execution.tasks.map((t) => [t.id, t.runtimeInSeconds * 1000]));
  return {
    makespanMs: d.workflow.execution.makespanInSeconds * 1000,
    tasks: d.workflow.specification.tasks.map((t) => ({ id: t.id, parents: t.parents ?? [], runtimeMs: runtime.get(t.id) ?? 0 })),
  };
}

export interface WorkflowScore { family: string; held: number; truthS: number; service: { p50: number; p90: number }; dag: { p50: number; p90: number } }

export function workflowBacktest(): WorkflowScore[] {
  const out: WorkflowScore[] = [];
  for (const app of readdirSync(DATA).filter((d) => !d.includes('.'))) {
    const files = readdirSync(join(DATA, app)).filter((f) => f.endsWith('.json'));
    const families = new Map<string, string[]>();
    for (const f of files) {
      const family = f.replace(/-\d{3}\.json$/, '');
      families.set(family, [...(families.get(family) ?? []), join(DATA, app, f)]);
    }
    for (const [family, members] of families) {
      const runs = members.sort().map(load);
      runs.forEach((held, k) => {
        const others = runs.filter((_, i) => i !== k);
        const t0 = new Date(Date.UTC(2026, 0, 1));
        const deadline = new Date(t0.getTime() + 365 * 86_400_000);
        // As a service: the workflow is one job whose history is the other replicates' makespans.
        const service = forecast({
          jobs: [{ job: family, after: [] }], states: new Map(), start: t0, now: t0, deadline, seed: k + 1, samples: 10_000, withTimeToAct: false,
          models: new Map([[family, buildJobModel(others.map((o, i) => ({ startedAt: new Date(t0.getTime() - (i + 1) * 86_400_000), durationMs: o.makespanMs, failed: false })))]]),
        });
        // As a DAG: each task's history is its runtime in the other replicates.
        const models = new Map(held.tasks.map((t) => [t.id, buildJobModel(others.map((o, i) => ({
          startedAt: new Date(t0.getTime() - (i + 1) * 86_400_000), durationMs: o.tasks.find((x) => x.id === t.id)?.runtimeMs ?? t.runtimeMs, failed: false,
        })))]));
        const dag = forecast({ jobs: held.tasks.map((t) => ({ job: t.id, after: t.parents })), states: new Map(), models, start: t0, now: t0, deadline, seed: k + 1, samples: 4_000, withTimeToAct: false });
        const rel = (f: typeof service) => ({ p50: (f.eta.p50.getTime() - t0.getTime()) / 1000, p90: (f.eta.p90.getTime() - t0.getTime()) / 1000 });
        out.push({ family, held: k + 1, truthS: held.makespanMs / 1000, service: rel(service), dag: rel(dag) });
      });
    }
  }
  return out;
}

export function printWorkflowBacktest(): void {
  const rows = workflowBacktest();
  const summary = (pick: (r: WorkflowScore) => { p50: number; p90: number }) => {
    const inBand = rows.filter((r) => r.truthS >= pick(r).p50 && r.truthS <= pick(r).p90).length;
    const under90 = rows.filter((r) => r.truthS <= pick(r).p90).length;
    const mae = rows.reduce((s, r) => s + Math.abs(pick(r).p50 - r.truthS) / r.truthS, 0) / rows.length;
    return `in p50–p90 band ${inBand}/${rows.length}, at or under p90 ${under90}/${rows.length}, mean |p50 − truth| ${(mae * 100).toFixed(1)} % of the makespan`;
  };
  console.log(`\nreal workflow runs (Makeflow blast and bwa, ${rows.length} held-out replicates, each forecast from the other four)`);
  console.log(`  as a service (makespan history): ${summary((r) => r.service)}`);
  console.log(`  as a DAG of tasks (no machine capacity): ${summary((r) => r.dag)}`);
}
