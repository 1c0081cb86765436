/**
 * Synthetic OpenLineage RunEvents shaped like the Airflow provider's (parent, nominalTime and
 * airflow run facets): `count` events, a START and a COMPLETE (or FAIL) per task try.
 */
export function openLineageEvents(count: number, seed: number): unknown[] {
  const events: unknown[] = [];
  const base = Date.UTC(2026, 0, 1) + seed * 86_400_000 * 400;
  for (let i = 0; events.length < count; i++) {
    const dag = `dag_${i % 50}`;
    const task = `task_${i % 20}`;
    const slot = new Date(base + Math.floor(i / 100) * 3_600_000).toISOString();
    const runId = `${seed.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    const facets = {
      parent: { job: { namespace: 'bench', name: dag }, run: { runId: `${seed.toString(16).padStart(8, '0')}-1111-4000-8000-${Math.floor(i / 20).toString(16).padStart(12, '0')}` } },
      nominalTime: { nominalStartTime: slot },
      airflow: { dag: { dag_id: dag }, dagRun: { dag_id: dag, run_id: `scheduled__${slot}` }, taskInstance: { try_number: 1 }, task: { task_id: task } },
    };
    const start = base + i * 1_000;
    const failed = i % 97 === 0;
    for (const [type, at] of [['START', start], [failed ? 'FAIL' : 'COMPLETE', start + 30_000 + (i % 600) * 1_000]] as const) {
      events.push({
        eventType: type,
        eventTime: new Date(at).toISOString(),
        producer: 'https://github.com/apache/airflow/tree/providers-openlineage/2.3.0',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId, facets: type === 'FAIL' ? { ...facets, errorMessage: { message: `Connection reset by peer (attempt ${i})`, programmingLanguage: 'python' } } : facets },
        job: { namespace: 'bench', name: `${dag}.${task}` },
        inputs: [],
        outputs: [],
      });
    }
  }
  return events.slice(0, count);
}
