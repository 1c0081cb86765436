import { failureKinds, type FailureKind } from './failures.ts';
import { MINUTE, seeded, type Random } from './random.ts';

/** The datasets the close reads and writes, as the provider's extractors name them. */
const datasets = {
  erp: { namespace: 's3://finance-landing', name: 'erp/general_ledger' },
  bank: { namespace: 's3://finance-landing', name: 'bank/statements' },
  ledger: { namespace: 'postgres://dw.prod:5432', name: 'finance.public.general_ledger' },
  reconciliation: { namespace: 'postgres://dw.prod:5432', name: 'finance.public.reconciliation' },
  reports: { namespace: 's3://finance-reports', name: 'close' },
} as const;
type Dataset = keyof typeof datasets;

/** The finance close DAG in Airflow, reported through the OpenLineage provider. */
export const financeClose = {
  namespace: 'airflow-prod',
  dag: 'finance_close',
  slotHourUtc: 1,
  tasks: [
    { id: 'extract_erp', upstream: [], reads: [], writes: ['erp'], medianMin: 22, sigma: 0.25, fail: { kind: 'rateLimited', p: 0.05 } },
    { id: 'extract_bank', upstream: [], reads: [], writes: ['bank'], medianMin: 14, sigma: 0.3, fail: { kind: 'connectionRefused', p: 0.12 } },
    { id: 'load_dw', upstream: ['extract_erp', 'extract_bank'], reads: ['erp', 'bank'], writes: ['ledger'], medianMin: 35, sigma: 0.35, fail: { kind: 'diskFull', p: 0.03 } },
    { id: 'reconcile', upstream: ['load_dw'], reads: ['ledger'], writes: ['reconciliation'], medianMin: 18, sigma: 0.3, fail: { kind: 'partialInput', p: 0.04 } },
    { id: 'publish_reports', upstream: ['reconcile'], reads: ['reconciliation'], writes: ['reports'], medianMin: 8, sigma: 0.2, fail: undefined },
  ],
} as const satisfies {
  tasks: readonly { id: string; upstream: readonly string[]; reads: readonly Dataset[]; writes: readonly Dataset[]; medianMin: number; sigma: number; fail: { kind: FailureKind; p: number } | undefined }[];
} & Record<string, unknown>;

/** Rows (and bytes) a day's close wrote to each dataset it measures. */
type Volumes = Partial<Record<Dataset, { rowCount: number; size: number }>>;

/**
 * What one day's extracts and load write: about 52k ERP lines and 6k bank lines, a third more
 * on Monday (the weekend's postings), with a few per cent of noise; the ledger holds both. A
 * dataset a task found partial holds 20–40 % of that. Drawn from a generator of the slot's own,
 * so that sizes leave the history's random sequence as it was.
 */
function closeVolumes(slot: Date, partial: ReadonlySet<Dataset>, shortSource?: 'erp' | 'bank'): Volumes {
  const noise = seeded(Math.floor(slot.getTime() / 3_600_000) ^ 0x5a17);
  const monday = slot.getUTCDay() === 1 ? 1.35 : 1;
  const usual = { erp: Math.round(noise.lognormal(52_000 * monday, 0.05)), bank: Math.round(noise.lognormal(6_100 * monday, 0.08)) };
  const cut = 0.2 + 0.2 * noise.next();
  // A source that delivered 40 % of its lines: the extract writes them all, and so does the load.
  const short = (d: 'erp' | 'bank') => (d === shortSource ? Math.round(usual[d] * 0.4) : usual[d]);
  const erp = short('erp');
  const bank = short('bank');
  const rows = { erp, bank, ledger: erp + bank };
  const bytesPerRow = { erp: 310, bank: 180, ledger: 240 };
  const out: Volumes = {};
  for (const d of ['erp', 'bank', 'ledger'] as const) {
    const rowCount = partial.has(d) && !shortSource ? Math.round(rows[d] * cut) : rows[d];
    out[d] = { rowCount, size: rowCount * bytesPerRow[d] };
  }
  return out;
}

/**
 * A task's neighbours and datasets as the provider reports them; its task lists are printed
 * Python lists, and outputs written with a known volume carry the `outputStatistics` facet.
 */
function taskLineage(taskId: string, volumes: Volumes | undefined): { task: Record<string, string>; inputs: object[]; outputs: object[] } {
  const task = financeClose.tasks.find((t) => t.id === taskId);
  const py = (ids: readonly string[]) => `[${ids.map((id) => `'${id}'`).join(', ')}]`;
  const output = (d: Dataset) => {
    const v = volumes?.[d];
    return v ? { ...datasets[d], outputFacets: { outputStatistics: { _producer: PRODUCER, _schemaURL: STATISTICS, ...v } } } : datasets[d];
  };
  return {
    task: {
      upstream_task_ids: py(task?.upstream ?? []),
      downstream_task_ids: py(financeClose.tasks.filter((t) => (t.upstream as readonly string[]).includes(taskId)).map((t) => t.id)),
    },
    inputs: (task?.reads ?? []).map((d) => datasets[d]),
    outputs: (task?.writes ?? []).map(output),
  };
}

const PRODUCER = 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0';
const SCHEMA = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';
const STATISTICS = 'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet';

/**
 * OpenLineage events of one day's DAG run: START and COMPLETE/FAIL per try of each task, the
 * writes' sizes on each COMPLETE. On a day a task fails on partial input, what it read was short.
 * With `shortSource`, that source delivered 40 % of its lines, and what the tasks wrote shows it:
 * the day nobody notices until the numbers are read.
 */
export function financeCloseDay(r: Random, slot: Date, shortSource?: 'erp' | 'bank'): unknown[] {
  const runId = `scheduled__${slot.toISOString().replace('.000Z', '+00:00')}`;
  const dagRunUuid = r.uuid();
  const ends = new Map<string, number>();
  const tries: { type: 'START' | 'COMPLETE' | 'FAIL'; time: Date; t: TaskTry; error?: { message: string; stackTrace: string | undefined } }[] = [];
  const partial = new Set<Dataset>();
  const slowDay = r.chance(0.15) ? 1.6 : 1; // month-end volume or a slow warehouse
  for (const task of financeClose.tasks) {
    let start = Math.max(slot.getTime(), ...task.upstream.map((u) => ends.get(u) ?? slot.getTime())) + r.int(5, 40) * 1000;
    for (let tryNumber = 1; tryNumber <= 3; tryNumber++) {
      const duration = r.lognormal(task.medianMin * slowDay, task.sigma) * MINUTE;
      const fails = task.fail !== undefined && tryNumber < 3 && r.chance(tryNumber === 1 ? task.fail.p : task.fail.p / 3);
      const end = start + (fails ? duration * r.next() : duration);
      const base = { slot, runId, dagRunUuid, task: task.id, tryNumber, taskUuid: r.uuid() };
      tries.push({ type: 'START', time: new Date(start), t: base });
      const error = fails && task.fail ? failureKinds[task.fail.kind](r) : undefined;
      tries.push({ type: fails ? 'FAIL' : 'COMPLETE', time: new Date(end), t: base, ...(error ? { error } : {}) });
      if (fails && task.fail?.kind === 'partialInput') for (const d of task.reads) partial.add(d);
      if (!fails) {
        ends.set(task.id, end);
        break;
      }
      start = end + 5 * MINUTE; // retry_delay
    }
    if (!ends.has(task.id)) break; // the DAG run stops where a task gave up
  }
  // The events are made once the day is known: the load wrote a partial ledger if reconcile found one.
  const volumes = closeVolumes(slot, partial, shortSource);
  return tries.map((x) => olEvent(x.type, x.time, x.t, x.error, x.type === 'COMPLETE' ? volumes : undefined));
}

/**
 * Today's close, still in flight: the extracts ran long and load_dw failed twice, the second time
 * at 03:40 UTC. Replayed a few minutes later it is the service at risk that the demo shows.
 */
export function financeCloseToday(r: Random, slot: Date): { events: unknown[]; secondFailure: Date } {
  const runId = `scheduled__${slot.toISOString().replace('.000Z', '+00:00')}`;
  const dagRunUuid = r.uuid();
  const t0 = slot.getTime();
  const events: unknown[] = [];
  const volumes = closeVolumes(slot, new Set());
  const run = (task: string, tryNumber: number, start: number, end: number, failed: boolean) => {
    const base = { slot, runId, dagRunUuid, task, tryNumber, taskUuid: r.uuid() };
    events.push(olEvent('START', new Date(start), base));
    events.push(failed ? olEvent('FAIL', new Date(end), base, failureKinds.connectionRefused(r)) : olEvent('COMPLETE', new Date(end), base, undefined, volumes));
  };
  run('extract_erp', 1, t0 + 20_000, t0 + 48 * MINUTE, false);
  run('extract_bank', 1, t0 + 25_000, t0 + 31 * MINUTE, false);
  run('load_dw', 1, t0 + 49 * MINUTE, t0 + 112 * MINUTE, true);
  run('load_dw', 2, t0 + 117 * MINUTE, t0 + 160 * MINUTE, true);
  return { events, secondFailure: new Date(t0 + 160 * MINUTE) };
}

interface TaskTry {
  slot: Date;
  runId: string;
  dagRunUuid: string;
  task: string;
  tryNumber: number;
  taskUuid: string;
}

function olEvent(type: 'START' | 'COMPLETE' | 'FAIL', time: Date, t: TaskTry, error?: { message: string; stackTrace: string | undefined }, volumes?: Volumes): unknown {
  const lineage = taskLineage(t.task, volumes);
  const facets: Record<string, unknown> = {
    parent: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-1-0/ParentRunFacet.json#/$defs/ParentRunFacet',
      job: { namespace: financeClose.namespace, name: financeClose.dag },
      run: { runId: t.dagRunUuid },
    },
    nominalTime: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet',
      nominalStartTime: t.slot.toISOString(),
    },
    airflow: {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunFacet',
      dag: { dag_id: financeClose.dag, owner: 'finance-data' },
      dagRun: { dag_id: financeClose.dag, run_id: t.runId, run_type: 'scheduled', logical_date: t.slot.toISOString() },
      taskInstance: { try_number: t.tryNumber },
      task: { task_id: t.task, retries: 2, operator_class: 'PythonOperator', ...lineage.task },
      taskUuid: t.taskUuid,
    },
  };
  if (error) {
    facets.errorMessage = {
      _producer: PRODUCER,
      _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
      message: error.message,
      programmingLanguage: 'python',
      ...(error.stackTrace ? { stackTrace: error.stackTrace } : {}),
    };
  }
  return {
    eventType: type,
    eventTime: time.toISOString(),
    producer: PRODUCER,
    schemaURL: SCHEMA,
    run: { runId: t.taskUuid, facets },
    job: { namespace: financeClose.namespace, name: `${financeClose.dag}.${t.task}` },
    inputs: lineage.inputs,
    outputs: lineage.outputs,
  };
}
