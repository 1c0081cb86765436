/**
 * The shape of the seeded platform: 200 DAGs of ten tasks across four sources, their lineage and
 * dataset sizes (for preflights), six business services over the first DAGs, and a decision log
 * with history older than any guardrail window.
 */
import type { Queryable } from '../../src/db/pool.ts';
import { seeded } from '../../src/demo/random.ts';
import { ServiceDefinition } from '../../src/sla/schema.ts';
import { applyService } from '../../src/sla/sql.ts';
import type { SeedJob } from './seed-sql.ts';

const DOMAINS = ['finance_close', 'risk_reporting', 'customer_360', 'marketing_attribution', 'regulatory_filing', 'ml_features',
  'payments', 'inventory', 'logistics', 'hr_payroll', 'billing', 'fraud_scoring', 'supply_chain', 'web_analytics', 'crm_sync',
  'treasury', 'pricing', 'claims', 'compliance_audit', 'data_quality'];
const TASKS = ['extract_erp', 'extract_bank', 'stage', 'clean', 'load_dw', 'aggregate', 'reconcile', 'validate', 'publish_reports', 'notify_done'];
const SOURCES = [
  ...Array.from({ length: 6 }, () => ({ source: 'airflow-prod', orchestrator: 'airflow' })),
  { source: 'controlm-core', orchestrator: 'controlm' }, { source: 'controlm-core', orchestrator: 'controlm' },
  { source: 'argo-ml', orchestrator: 'argo' }, { source: 'ol-spark', orchestrator: 'openlineage' },
];
export const DAGS = 200;

const dagName = (d: number) => (d < DOMAINS.length ? DOMAINS[d] : `${DOMAINS[d % DOMAINS.length]}_${Math.floor(d / DOMAINS.length)}`) ?? `dag_${d}`;
const sourceOf = (d: number) => SOURCES[d % SOURCES.length] ?? { source: 'airflow-prod', orchestrator: 'airflow' };

/** `namespace/name` of task `t` of DAG `d`. */
export const jobKey = (d: number, t: number) => `${sourceOf(d).source}/${dagName(d)}.${TASKS[t] ?? `task_${t}`}`;

/** The tasks a task waits for: the two extracts feed the third task, then a chain. */
export const upstreamTasks = (t: number): number[] => (t < 2 ? [] : t === 2 ? [0, 1] : [t - 1]);

export function seedJobs(): SeedJob[] {
  const r = seeded(5);
  return Array.from({ length: DAGS * TASKS.length }, (_, i) => {
    const dag = Math.floor(i / TASKS.length);
    const task = i % TASKS.length;
    const { source, orchestrator } = sourceOf(dag);
    return {
      namespace: source, name: `${dagName(dag)}.${TASKS[task]}`, source, orchestrator, dag, task,
      cadenceMinutes: dag < SERVICES.length ? 1440 : ([1440, 360, 60][dag % 3] ?? 1440),
      medianMs: Math.min(2_400_000, Math.max(20_000, r.lognormal(240_000, 0.9))),
      flaky: Math.min(4, Math.max(0.2, r.lognormal(1, 0.6))),
    };
  });
}

/** Declared edges and dataset edges between the tasks of each DAG; each task writes one dataset. */
export async function insertLineage(db: Queryable): Promise<void> {
  const up: number[] = [];
  const down: number[] = [];
  for (let t = 0; t < TASKS.length; t++) for (const u of upstreamTasks(t)) { up.push(u); down.push(t); }
  await db.query(
    `insert into job_datasets (dataset, direction, job_id, first_seen_at, last_seen_at)
     select 'warehouse/' || j.name, 'output', j.id, now() - interval '1 year', now() from jobs j`);
  await db.query(
    `with pairs as (select u.job_id as up_id, d.job_id as down_id
                    from unnest($1::int[], $2::int[]) as e(up_task, down_task)
                    join bench_job_meta u on u.task = e.up_task join bench_job_meta d on d.dag = u.dag and d.task = e.down_task),
          named as (select p.*, 'warehouse/' || j.name as dataset from pairs p join jobs j on j.id = p.up_id),
          reads as (insert into job_datasets (dataset, direction, job_id, first_seen_at, last_seen_at)
                    select dataset, 'input', down_id, now() - interval '1 year', now() from named)
     insert into job_edges (upstream_job_id, downstream_job_id, via, dataset, first_seen_at, last_seen_at)
     select up_id, down_id, 'declared', null, now() - interval '1 year', now() from named
     union all select up_id, down_id, 'dataset', dataset, now() - interval '1 year', now() from named`,
    [up, down],
  );
  // The sizes each dataset's writer reported for its last 40 runs; one in forty of the latest came short.
  await db.query(
    `insert into dataset_stats (dataset, job_id, run_key, row_count, bytes, observed_at)
     select d.dataset, r.job_id, r.run_key, c.rows, c.rows * 120, r.ended_at
     from job_datasets d
     cross join lateral (select id, job_id, run_key, ended_at, row_number() over (order by id desc) as rn
                         from runs r where r.job_id = d.job_id and r.state = 'completed' order by id desc limit 40) r
     cross join lateral (select (1000 + bench_u(d.job_id, 30) * 2000000)
                                * (case when r.rn = 1 and bench_u(d.job_id, 31) < 0.025 then 0.3 else 1 + 0.04 * (bench_u(r.id, 32) - 0.5) end) as raw) x
     cross join lateral (select x.raw::bigint as rows) c
     where d.direction = 'output'`);
}

const SERVICES = [
  { name: 'finance-close', title: 'Financial close', at: '06:00', timeZone: 'Europe/Berlin', criticality: 'critical', downstream: ['risk-reporting', 'regulatory-filing'] },
  { name: 'risk-reporting', title: 'Daily risk report', at: '07:30', timeZone: 'Europe/London', criticality: 'high', downstream: ['regulatory-filing'] },
  { name: 'customer-360', title: 'Customer 360 refresh', at: '05:00', timeZone: 'UTC', criticality: 'medium', downstream: [] },
  { name: 'marketing-attribution', title: 'Marketing attribution', at: '08:00', timeZone: 'America/New_York', criticality: 'low', downstream: [] },
  { name: 'regulatory-filing', title: 'Regulatory filing', at: '09:00', timeZone: 'Europe/Berlin', criticality: 'critical', downstream: [] },
  { name: 'ml-features', title: 'ML feature store', at: '04:00', timeZone: 'UTC', criticality: 'high', downstream: ['customer-360'] },
] as const;

/** The services, applied as `medic services apply` would; their DAGs are the first six. */
export async function applyServices(db: Queryable): Promise<number> {
  for (const [dag, s] of SERVICES.entries()) {
    await applyService(db, ServiceDefinition.parse({
      name: s.name, title: s.title, criticality: s.criticality, downstream: [...s.downstream], owners: ['data-oncall'],
      deadline: { kind: 'time', at: s.at, timeZone: s.timeZone, calendar: 'daily' },
      jobs: TASKS.map((_, t) => ({ job: jobKey(dag, t), after: upstreamTasks(t).map((u) => jobKey(dag, u)) })),
    }));
  }
  return SERVICES.length;
}

/** Decisions from weeks before: they size the log's indexes but fall outside every guardrail window. */
export async function insertDecisionHistory(db: Queryable, rows: number, now: Date): Promise<void> {
  await db.query(
    `insert into decisions (id, kind, job, run_key, attempt, fingerprint, signature_id, policy_id, action, enforced, budget_key,
                            requires_approval, degraded, policy_revision, input, result, created_at)
     select gen_random_uuid(), k.kind, j.namespace || '/' || j.name, 'scheduled__hist-' || g.n, case when k.kind = 'failure' then 1 + (bench_u(g.n, 22) * 3)::int end,
            case when k.kind = 'failure' then s.fingerprint end, case when k.kind = 'failure' then s.id end, p.policy_id, p.action, true,
            case when p.action = 'retry' then 'signature:' || s.fingerprint end, false, false, 'seed-history',
            json_build_object('kind', k.kind, 'job', json_build_object('namespace', j.namespace, 'name', j.name), 'run', json_build_object('key', 'scheduled__hist-' || g.n),
                              'error', case when k.kind = 'failure' then json_build_object('message', s.sample) end),
            json_build_object('action', p.action, 'policy_id', p.policy_id, 'reason', coalesce(p.policy_id, 'no policy') || ': ' || left(s.template, 200),
                              'evidence', json_build_object('signature', json_build_object('id', s.id, 'template', s.template, 'known', true)), 'degraded', null),
            $1::timestamptz - interval '2 days' - make_interval(secs => bench_u(g.n, 23) * 28 * 86400)
     from generate_series(1, $2::int) g(n)
     join jobs j on j.id = 1 + (bench_u(g.n, 20) * (select count(*) - 1 from jobs))::bigint
     join signatures s on s.id = 1 + (bench_u(g.n, 21) * (select count(*) - 1 from signatures))::bigint
     cross join lateral (select case when bench_u(g.n, 24) < 0.85 then 'failure' else 'preflight' end as kind) k
     cross join lateral (select * from (values
       ('failure', 'network-transient-retry', 'retry'), ('failure', 'unknown-failure-escalate', 'notify'), ('failure', 'rate-limit-retry', 'retry'),
       ('preflight', null, 'go'), ('preflight', 'preflight-hold-and-notify', 'hold')) v(kind, policy_id, action)
       where v.kind = k.kind offset floor(bench_u(g.n, 25) * case when k.kind = 'failure' then 3 else 2 end)::int limit 1) p`,
    [now.toISOString(), rows],
  );
}
