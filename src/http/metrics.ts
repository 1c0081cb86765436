import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Medic's Prometheus metrics, on a registry of their own (never the global one). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medic_' });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'medic_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    ingestItems: new Counter({
      name: 'medic_ingest_items_total',
      help: 'Ingested payloads by orchestrator and outcome',
      labelNames: ['orchestrator', 'status'] as const,
      registers: [registry],
    }),
    suspectVersions: new Counter({
      name: 'medic_dataset_suspect_versions_total',
      help: 'Dataset versions ingested whose size looked partial or overloaded against their history, or under their expected row count',
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'medic_decisions_total',
      help: 'Answers of the decision endpoint by kind and outcome (decided, safe_default, overloaded, rejected)',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
    decideWarm: new Gauge({
      name: 'medic_decide_caches_warm',
      help: '1 once the decision caches were filled (or the filling gave up) after the start (the busiest signatures and jobs of the last 30 days)',
      registers: [registry],
    }),
    sourceItems: new Counter({
      name: 'medic_source_items_total',
      help: 'Payloads pulled from each source (MEDIC_SOURCES) by outcome: accepted, duplicate, rejected',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    sourceErrors: new Counter({
      name: 'medic_source_errors_total',
      help: 'Sync errors by source and kind: malformed (a page skipped), rejected (a payload refused), failed (a pass stopped), auth (a pass stopped on refused credentials)',
      labelNames: ['source', 'kind'] as const,
      registers: [registry],
    }),
    sourceLastSuccess: new Gauge({
      name: 'medic_source_last_success_timestamp_seconds',
      help: 'When the last pass over each source that reached its end started (its data is complete up to then)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    sourceLag: new Gauge({
      name: 'medic_source_lag_seconds',
      help: 'How far behind each source Medic is: now minus the start of its last complete pass',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'medic_queue_job_failures_total',
      help: 'Queue job failures by job name and whether they were final',
      labelNames: ['job', 'final'] as const,
      registers: [registry],
    }),
    queueWaiting: new Gauge({
      name: 'medic_queue_waiting_jobs',
      help: 'Jobs the in-process queue holds that have not started (ready, delayed or backing off); BullMQ keeps its jobs in Redis',
      registers: [registry],
    }),
    queueCoalesced: new Counter({
      name: 'medic_queue_coalesced_jobs_total',
      help: 'Jobs the in-process queue folded into a waiting job of the same subject, by job name',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    queueRefused: new Counter({
      name: 'medic_queue_refused_jobs_total',
      help: 'Jobs the in-process queue refused because MEDIC_QUEUE_MAX_WAITING jobs were waiting, by job name',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
