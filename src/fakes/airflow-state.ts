/**
 * What the fake Airflow knows: DAGs (tasks and their downstream edges), DAG runs and task
 * instances, and how a clear picks and resets them, as Airflow's `dag.clear` does. A cleared
 * task instance has no state until `tick()` plays the scheduler (queued, then running) and
 * `complete()` plays the worker. Every change stamps `updated_at`, which Airflow's list
 * endpoints filter on, and a clear keeps the try it ends, as `TaskInstanceHistory` does.
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
  /** Set by the database on every change; lists filter on it but never return it. */
  updated_at: string;
}

export interface FakeDagRun {
  dag_id: string;
  dag_run_id: string;
  state: string;
  run_type: string;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
  updated_at: string;
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

const tryKey = (dagId: string, runId: string, taskId: string, mapIndex: number) => JSON.stringify([dagId, runId, taskId, mapIndex]);

export class FakeAirflowState {
  /** DAG id → task id → the tasks directly downstream of it. */
  readonly dags = new Map<string, Map<string, string[]>>();
  /** In insertion order, which stands for Airflow's id order. */
  readonly dagRuns: FakeDagRun[] = [];
  /** In insertion order, which stands for Airflow's id order (UUID v7 in Airflow 3). */
  readonly taskInstances: FakeTaskInstance[] = [];
  /** Earlier tries of a task instance, oldest first, as `TaskInstanceHistory` rows. */
  private readonly history = new Map<string, FakeTaskInstance[]>();

  constructor(readonly now: () => Date) {}

  addDag(dagId: string, downstream: Record<string, string[]>): void {
    this.dags.set(dagId, new Map(Object.entries(downstream)));
  }

  addDagRun(run: Partial<FakeDagRun> & Pick<FakeDagRun, 'dag_id' | 'dag_run_id'>): FakeDagRun {
    const now = this.now().toISOString();
    const full: FakeDagRun = { state: 'failed', run_type: 'scheduled', logical_date: now, start_date: null, end_date: null, updated_at: now, ...run };
    this.dagRuns.push(full);
    return full;
  }

  /**
   * Adds a task instance (and its DAG run when new). `earlier` are its earlier tries, try 1
   * first unless they say otherwise; they fail unless they say otherwise.
   */
  addTaskInstance(ti: Partial<FakeTaskInstance> & Pick<FakeTaskInstance, 'dag_id' | 'dag_run_id' | 'task_id'>, earlier: Partial<FakeTaskInstance>[] = []): FakeTaskInstance {
    const now = this.now().toISOString();
    const full: FakeTaskInstance = {
      map_index: -1, state: 'failed', try_number: 1, max_tries: 0, start_date: null, end_date: null, queued_when: null,
      logical_date: now, updated_at: now, ...ti,
    };
    this.taskInstances.push(full);
    earlier.forEach((e, i) => this.keepTry({ ...full, state: 'failed', try_number: i + 1, ...e }));
    if (!this.dags.has(full.dag_id)) this.dags.set(full.dag_id, new Map());
    const tasks = this.dags.get(full.dag_id);
    if (tasks && !tasks.has(full.task_id)) tasks.set(full.task_id, []);
    if (!this.dagRun(full.dag_id, full.dag_run_id)) this.addDagRun({ dag_id: full.dag_id, dag_run_id: full.dag_run_id, logical_date: full.logical_date });
    return full;
  }

  /** Changes a task instance or DAG run as a database write would: `updated_at` moves to now. */
  update<T extends FakeTaskInstance | FakeDagRun>(record: T, change: Partial<T>): T {
    return Object.assign(record, change, { updated_at: this.now().toISOString() });
  }

  /** Every try of a task instance, earlier ones first and the current one last, as `/tries` lists them. */
  tries(dagId: string, runId: string, taskId: string, mapIndex = -1): FakeTaskInstance[] | undefined {
    const current = this.taskInstance(dagId, runId, taskId, mapIndex);
    return current && [...(this.history.get(tryKey(dagId, runId, taskId, mapIndex)) ?? []), current];
  }

  private keepTry(t: FakeTaskInstance): void {
    const key = tryKey(t.dag_id, t.dag_run_id, t.task_id, t.map_index);
    this.history.set(key, [...(this.history.get(key) ?? []), { ...t }]);
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
      // The try that ends is kept; a failed one is what history is about.
      if (t.try_number > 0 && t.state !== null) this.keepTry({ ...t, state: t.state === 'running' ? 'failed' : t.state });
      // Airflow sets a running instance to restarting and the others to no state.
      this.update(t, { state: t.state === 'running' ? 'restarting' : null, max_tries: t.try_number + t.max_tries, end_date: null });
      const run = this.dagRun(t.dag_id, t.dag_run_id);
      if (run && r.resetDagRuns) this.update(run, { state: 'queued' });
    }
    return selected;
  }

  /** Plays the scheduler once: cleared instances are queued, queued ones start. */
  tick(): void {
    const now = this.now().toISOString();
    for (const t of this.taskInstances) {
      if (t.state === null || t.state === 'restarting') this.update(t, { state: 'queued', queued_when: now });
      else if (t.state === 'queued') this.update(t, { state: 'running', start_date: now, try_number: t.try_number + 1 });
      const run = this.dagRun(t.dag_id, t.dag_run_id);
      if (run && t.state === 'running' && run.state !== 'running') this.update(run, { state: 'running' });
    }
  }

  /** Plays the worker: the instance ends in `state`, and its DAG run ends once all have. */
  complete(dagId: string, runId: string, taskId: string, state: 'success' | 'failed' = 'success', mapIndex = -1): FakeTaskInstance | undefined {
    const t = this.taskInstance(dagId, runId, taskId, mapIndex);
    if (!t) return undefined;
    const end = this.now().toISOString();
    this.update(t, { state, end_date: end });
    const all = this.taskInstances.filter((x) => x.dag_id === dagId && x.dag_run_id === runId);
    const run = this.dagRun(dagId, runId);
    if (run && all.every((x) => x.state !== null && ['success', 'failed', 'skipped', 'upstream_failed'].includes(x.state))) {
      this.update(run, { state: all.some((x) => x.state !== null && FAILED.has(x.state)) ? 'failed' : 'success', end_date: end });
    }
    return t;
  }
}
