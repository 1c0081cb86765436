/**
 * What the fake Airflow knows: DAGs (tasks and their downstream edges), DAG runs and task
 * instances, and how a clear picks and resets them, as Airflow's `dag.clear` does. A cleared
 * task instance has no state until `tick()` plays the scheduler (queued, then running) and
 * `complete()` plays the worker.
 */

export interface FakeTaskInstance {
  dag_id: string;
  dag_run_id: string;
  task_id: string;
  /** -1 for an unmapped task, as Airflow stores it. */
  map_index: number;
  state: string | null;
  try_number: number;
  max_tries: number;
  start_date: string | null;
  end_date: string | null;
  queued_when: string | null;
  logical_date: string;
}

export interface FakeDagRun {
  dag_id: string;
  dag_run_id: string;
  state: string;
}

export interface ClearRequest {
  dagId: string;
  dagRunId: string | undefined;
  /** `[task_id, map_index]` names one mapped instance; a plain id every instance of the task. */
  taskIds: (string | [string, number])[] | undefined;
  onlyFailed: boolean;
  onlyRunning: boolean;
  includeDownstream: boolean;
  includeUpstream: boolean;
  dryRun: boolean;
  resetDagRuns: boolean;
}

const FAILED = new Set(['failed', 'upstream_failed']);

export class FakeAirflowState {
  /** DAG id → task id → the tasks directly downstream of it. */
  readonly dags = new Map<string, Map<string, string[]>>();
  readonly dagRuns: FakeDagRun[] = [];
  readonly taskInstances: FakeTaskInstance[] = [];

  constructor(readonly now: () => Date) {}

  addDag(dagId: string, downstream: Record<string, string[]>): void {
    this.dags.set(dagId, new Map(Object.entries(downstream)));
  }

  addTaskInstance(ti: Partial<FakeTaskInstance> & Pick<FakeTaskInstance, 'dag_id' | 'dag_run_id' | 'task_id'>): FakeTaskInstance {
    const full: FakeTaskInstance = {
      map_index: -1, state: 'failed', try_number: 1, max_tries: 0, start_date: null, end_date: null, queued_when: null,
      logical_date: this.now().toISOString(), ...ti,
    };
    this.taskInstances.push(full);
    if (!this.dags.has(full.dag_id)) this.dags.set(full.dag_id, new Map());
    const tasks = this.dags.get(full.dag_id);
    if (tasks && !tasks.has(full.task_id)) tasks.set(full.task_id, []);
    if (!this.dagRun(full.dag_id, full.dag_run_id)) this.dagRuns.push({ dag_id: full.dag_id, dag_run_id: full.dag_run_id, state: 'failed' });
    return full;
  }

  dagRun(dagId: string, runId: string): FakeDagRun | undefined {
    return this.dagRuns.find((r) => r.dag_id === dagId && r.dag_run_id === runId);
  }

  taskInstance(dagId: string, runId: string, taskId: string, mapIndex = -1): FakeTaskInstance | undefined {
    return this.taskInstances.find((t) => t.dag_id === dagId && t.dag_run_id === runId && t.task_id === taskId && t.map_index === mapIndex);
  }

  /** The tasks reachable from `start` along the DAG's edges, forwards or backwards. */
  private reach(dagId: string, start: string[], forward: boolean): Set<string> {
    const edges = this.dags.get(dagId) ?? new Map<string, string[]>();
    const next = (task: string) => forward ? (edges.get(task) ?? []) : [...edges].filter(([, ds]) => ds.includes(task)).map(([t]) => t);
    const seen = new Set(start);
    const queue = [...start];
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      for (const n of next(task)) {
        if (seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    }
    return seen;
  }

  /** Selects the task instances a clear touches and, unless it is a dry run, resets them. */
  clear(r: ClearRequest): FakeTaskInstance[] {
    const named = r.taskIds?.map((t) => (typeof t === 'string' ? t : t[0]));
    let tasks = named ? new Set(named) : undefined;
    if (tasks && r.includeDownstream) tasks = new Set([...tasks, ...this.reach(r.dagId, [...tasks], true)]);
    if (tasks && r.includeUpstream) tasks = new Set([...tasks, ...this.reach(r.dagId, named ?? [], false)]);
    const isNamed = (t: FakeTaskInstance): boolean => {
      if (r.taskIds === undefined || tasks === undefined) return true;
      if (!tasks.has(t.task_id)) return false;
      const direct = r.taskIds.filter((x) => (typeof x === 'string' ? x : x[0]) === t.task_id);
      // Reached through include_downstream/upstream: every instance of the task.
      return direct.length === 0 || direct.some((x) => typeof x === 'string' || x[1] === t.map_index);
    };
    const selected = this.taskInstances.filter((t) => t.dag_id === r.dagId
      && (r.dagRunId === undefined || t.dag_run_id === r.dagRunId)
      && isNamed(t)
      && (!r.onlyFailed || (t.state !== null && FAILED.has(t.state)))
      && (!r.onlyRunning || t.state === 'running'));
    if (r.dryRun) return selected;
    for (const t of selected) {
      // Airflow sets a running instance to restarting and the others to no state.
      t.state = t.state === 'running' ? 'restarting' : null;
      t.max_tries = t.try_number + t.max_tries;
      t.end_date = null;
      const run = this.dagRun(t.dag_id, t.dag_run_id);
      if (run && r.resetDagRuns) run.state = 'queued';
    }
    return selected;
  }

  /** Plays the scheduler once: cleared instances are queued, queued ones start. */
  tick(): void {
    const now = this.now().toISOString();
    for (const t of this.taskInstances) {
      if (t.state === null || t.state === 'restarting') Object.assign(t, { state: 'queued', queued_when: now });
      else if (t.state === 'queued') Object.assign(t, { state: 'running', start_date: now, try_number: t.try_number + 1 });
      const run = this.dagRun(t.dag_id, t.dag_run_id);
      if (run && t.state === 'running') run.state = 'running';
    }
  }

  /** Plays the worker: the instance ends in `state`, and its DAG run ends once all have. */
  complete(dagId: string, runId: string, taskId: string, state: 'success' | 'failed' = 'success', mapIndex = -1): FakeTaskInstance | undefined {
    const t = this.taskInstance(dagId, runId, taskId, mapIndex);
    if (!t) return undefined;
    Object.assign(t, { state, end_date: this.now().toISOString() });
    const all = this.taskInstances.filter((x) => x.dag_id === dagId && x.dag_run_id === runId);
    const run = this.dagRun(dagId, runId);
    if (run && all.every((x) => x.state !== null && ['success', 'failed', 'skipped', 'upstream_failed'].includes(x.state))) {
      run.state = all.some((x) => x.state !== null && FAILED.has(x.state)) ? 'failed' : 'success';
    }
    return t;
  }
}
