/**
 * A planned day as the orchestrators report it: OpenLineage events from Airflow's provider, one
 * Argo Workflow status, Control-M's `/run/jobs/status` and Medic's generic events — each posted to
 * Medic as that orchestrator would send it. What each format leaves out (sizes in Argo and
 * Control-M, a Control-M retry's first attempt) is left out here too.
 */
import { DateTime } from 'luxon';
import { argoWorkflow } from './formats-argo.ts';
import { openLineageEvents } from './formats-openlineage.ts';
import { errorFor, iso, msAt, runsOn } from './formats-shared.ts';
import type { PlannedDay } from './plan.ts';
import { jobOf, type Format, type World } from './world.ts';

/** The Control-M server's zone: its times carry none. */
export const CONTROLM_ZONE = 'Europe/Paris';

export interface FormatBatch {
  format: Format;
  payloads: unknown[];
}

function genericEvents(world: World, day: PlannedDay): unknown[] {
  const key = `${world.name}-${day.slot.toISOString().slice(0, 10).replaceAll('-', '')}`;
  return runsOn(world, day, 'generic').flatMap(({ job, run }) => {
    const [namespace, name] = [job.job.slice(0, job.job.indexOf('/')), job.id];
    const inputs = job.parents.map((p) => jobOf(world, p).dataset);
    return run.attempts.flatMap((a, k) => {
      const base = { job: { namespace, name }, run: { id: day.r.uuid(), key, attempt: k + 1 }, ...(inputs.length > 0 ? { inputs } : {}) };
      const [start, end] = [iso(msAt(day, a.start)), iso(msAt(day, a.end))];
      const written = { ...job.dataset, rowCount: run.rows, bytes: run.rows * job.bytesPerRow };
      return [
        { ...base, type: 'started', time: start, startedAt: start, outputs: [job.dataset] },
        a.failed
          ? { ...base, type: 'failed', time: end, startedAt: start, endedAt: end, error: { message: errorFor(world, job, a, day.r) }, outputs: [job.dataset] }
          : { ...base, type: 'completed', time: end, startedAt: start, endedAt: end, outputs: [written] },
      ];
    });
  });
}

const ctmTime = (ms: number) => DateTime.fromMillis(ms, { zone: CONTROLM_ZONE }).toFormat('LLL d, yyyy h:mm:ss a');

/** The day's order in the folder: every job of it, those that never ran still waiting on their condition. */
function controlmStatuses(world: World, day: PlannedDay, worldIndex: number): unknown {
  const orderDate = DateTime.fromMillis(day.slot.getTime(), { zone: CONTROLM_ZONE }).toFormat('yyMMdd');
  const jobs = world.order.map((id) => jobOf(world, id)).filter((j) => j.format === 'controlm');
  const statuses = jobs.map((job, k) => {
    const run = day.run.runs.get(job.id);
    const last = run?.attempts.at(-1);
    const [folder, name] = job.job.split('/').slice(1) as [string, string];
    const times = last ? { startTime: ctmTime(msAt(day, last.start)), endTime: ctmTime(msAt(day, last.end)) } : {};
    return {
      jobId: `ctm-prod:${orderDate}${worldIndex.toString(36)}${(k + 1).toString(36).padStart(3, '0')}`,
      folderId: `ctm-prod:${orderDate}${worldIndex.toString(36)}000`,
      numberOfRuns: run ? run.attempts.length : 0,
      name, folder, type: 'Command',
      status: !run ? 'Wait Condition' : run.failed ? 'Ended Not OK' : 'Ended OK',
      held: false, deleted: false, cyclic: false, ...times, orderDate, ctm: 'ctm-prod', host: `ctm-agent-0${1 + (k % 3)}`,
      application: world.name.toUpperCase(), subApplication: folder,
    };
  });
  return { statuses, returned: statuses.length, total: statuses.length };
}

/** Every payload of one world's day, by format. */
export function dayPayloads(world: World, day: PlannedDay, worldIndex: number): FormatBatch[] {
  const argo = argoWorkflow(world, day);
  const hasControlm = [...world.jobs.values()].some((j) => j.format === 'controlm');
  return [
    { format: 'openlineage', payloads: openLineageEvents(world, day) },
    { format: 'argo', payloads: argo ? [argo] : [] },
    { format: 'controlm', payloads: hasControlm ? [controlmStatuses(world, day, worldIndex)] : [] },
    { format: 'generic', payloads: genericEvents(world, day) },
  ];
}
