/**
 * OpenLineage RunEvents as Airflow's provider sends them: START and COMPLETE or FAIL per try, a
 * new runId per try tied together by the DAG run id, the task's neighbours in its DAG, the
 * datasets read and written, and the written sizes (`outputStatistics`) on COMPLETE.
 */
import { errorFor, instanceKey, iso, msAt, runsOn } from './formats-shared.ts';
import type { PlannedDay } from './plan.ts';
import { jobOf, type World, type WorldJob } from './world.ts';

const PRODUCER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0';
const SPEC = 'https://openlineage.io/spec';
const facet = (path: string) => ({ _producer: PRODUCER, _schemaURL: `${SPEC}/${path}` });

/** A printed Python list, as the provider reports task ids. */
const py = (ids: string[]) => `[${ids.map((id) => `'${id}'`).join(', ')}]`;

function taskFacet(world: World, job: WorldJob): Record<string, unknown> {
  const sameDag = (ids: string[]) => ids.filter((id) => jobOf(world, id).group === job.group);
  return {
    task_id: job.id, retries: 2, operator_class: job.parents.length === 0 ? 'SQLExecuteQueryOperator' : 'PythonOperator',
    upstream_task_ids: py(sameDag(job.parents)), downstream_task_ids: py(sameDag(job.children)),
  };
}

interface Try {
  job: WorldJob;
  tryNumber: number;
  runId: string;
  dagRunId: string;
}

function runFacets(world: World, day: PlannedDay, t: Try, error: string | undefined): Record<string, unknown> {
  const { job } = t;
  return {
    parent: { ...facet('facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet'), job: { namespace: 'airflow-prod', name: job.group }, run: { runId: t.dagRunId } },
    nominalTime: { ...facet('facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet'), nominalStartTime: day.slot.toISOString() },
    airflow: {
      ...facet('2-0-2/OpenLineage.json#/$defs/RunFacet'),
      dag: { dag_id: job.group, owner: 'data-platform' },
      dagRun: { dag_id: job.group, run_id: instanceKey(day.slot), run_type: 'scheduled', logical_date: day.slot.toISOString() },
      taskInstance: { try_number: t.tryNumber },
      task: taskFacet(world, job),
    },
    ...(error ? { errorMessage: { ...facet('facets/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet'), message: error, programmingLanguage: 'python' } } : {}),
  };
}

/** The day's events of every job the world runs on Airflow. */
export function openLineageEvents(world: World, day: PlannedDay): unknown[] {
  const dagRunIds = new Map<string, string>();
  return runsOn(world, day, 'openlineage').flatMap(({ job, run }) => {
    const dagRunId = dagRunIds.get(job.group) ?? day.r.uuid();
    dagRunIds.set(job.group, dagRunId);
    const inputs = job.parents.map((p) => jobOf(world, p).dataset);
    return run.attempts.flatMap((a, k) => {
      const t: Try = { job, tryNumber: k + 1, runId: day.r.uuid(), dagRunId };
      const event = (eventType: 'START' | 'COMPLETE' | 'FAIL', ms: number, error?: string) => ({
        eventType, eventTime: iso(ms), producer: PRODUCER, schemaURL: `${SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent`,
        run: { runId: t.runId, facets: runFacets(world, day, t, error) },
        job: { namespace: 'airflow-prod', name: job.job.slice('airflow-prod/'.length) },
        inputs,
        outputs: [eventType === 'COMPLETE'
          ? { ...job.dataset, outputFacets: { outputStatistics: { ...facet('facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet'), rowCount: run.rows, size: run.rows * job.bytesPerRow } } }
          : job.dataset],
      });
      return [event('START', msAt(day, a.start)), a.failed ? event('FAIL', msAt(day, a.end), errorFor(world, job, a, day.r)) : event('COMPLETE', msAt(day, a.end))];
    });
  });
}
