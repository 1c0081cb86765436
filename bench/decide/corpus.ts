/**
 * Failure texts for the decision bench, built from real logs read in place (never copied into the
 * repository): Loghub-2k messages grouped by their true event, and the error excerpts of the
 * ci-breakages CI logs. A *family* is one kind of failure as an orchestrator would report it; each
 * rendering draws fresh variable parts (another message of the same event), so the decision
 * endpoint masks, mines and embeds real variety rather than one string over and over.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSystem, SYSTEMS } from '../../evals/signatures/loghub.ts';
import type { Random } from '../../src/demo/random.ts';

const DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));

/** What a failure callback sends: the message and, sometimes, a stack trace or log excerpt. */
export interface FailureText {
  message: string;
  detail?: string;
}

export interface Family {
  /** Where it comes from, for people reading the seed. */
  origin: string;
  render(r: Random): FailureText;
}

// How orchestrators and operators wrap the underlying log line.
const PREFIXES = [
  'Task failed with exception:', 'Job ended NOTOK:', 'Step exited with non-zero status:', 'ERROR - Task instance failed:',
  'Container main terminated with error:', 'spark-submit exited with code 1:', 'Workflow node failed:', 'Sensor gave up:',
  'Operator raised:', 'Hook call failed:', 'dbt run failed:', 'Load step aborted:', 'Extract failed:', 'Transform failed:',
  'Publish step failed:', 'Batch job rejected:', 'Agent reported failure:', 'Script returned an error:', 'Command failed:',
  'Remote call failed:', 'Consumer stopped:', 'Export failed:', 'Ingestion aborted:', 'Copy into stage failed:',
  'Merge step failed:', 'Validation failed:', 'Callback raised:', 'Executor lost:', 'Driver stopped:', 'Kubernetes pod failed:',
  'Template step errored:', 'Job step abended:',
];
const PY_EXCEPTIONS = [
  'airflow.exceptions.AirflowException', 'ValueError', 'KeyError', 'RuntimeError', 'psycopg2.errors.UniqueViolation',
  'google.api_core.exceptions.BadRequest', 'botocore.exceptions.ClientError', 'pandas.errors.ParserError',
  'snowflake.connector.errors.ProgrammingError', 'FileNotFoundError', 'TypeError', 'AssertionError',
];
const JAVA_EXCEPTIONS = [
  'org.apache.spark.SparkException', 'java.io.IOException', 'java.lang.IllegalStateException', 'org.apache.hadoop.ipc.RemoteException',
  'java.sql.SQLTransientConnectionException', 'org.apache.kafka.common.errors.SerializationException',
];
const MODULES = ['ingest', 'transform', 'publish', 'reconcile', 'extract', 'features', 'quality', 'export'];
const FUNCTIONS = ['run', 'execute', 'load_partition', 'write_batch', 'fetch_page', 'validate', 'merge_into', 'poke'];

/** Loghub messages per event (`System:EventId`), in file order. */
export function loghubEvents(): Map<string, string[]> {
  const events = new Map<string, string[]>();
  for (const system of SYSTEMS) {
    for (const m of loadSystem(join(DATA, 'loghub-2k'), system)) {
      if (m.content.trim() === '') continue;
      const key = `${system}:${m.eventId}`;
      (events.get(key) ?? events.set(key, []).get(key))?.push(m.content.trim());
    }
  }
  return events;
}

/** The `E` excerpts of the ci-breakages logs, without the GitHub Actions prefix and timestamp. */
export function ciExcerpts(): string[] {
  const dir = join(DATA, 'ci-breakages');
  const out: string[] = [];
  for (const c of readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort()) {
    const log = readFileSync(join(dir, c, 'fail.log'), 'utf8').split('\n');
    for (const line of readFileSync(join(dir, c, 'groundtruth'), 'utf8').split('\n')) {
      const m = /^E\s+(\d+)(?:-(\d+))?/.exec(line.trim());
      if (!m) continue;
      const from = Number(m[1]);
      const to = Math.min(Number(m[2] ?? m[1]), from + 59);
      const text = log.slice(from - 1, to).map((l) => l.replace(/^.*?\d{4}-\d{2}-\d{2}T[\d:.]+Z ?/, '')).join('\n').trim();
      if (text !== '') out.push(text);
    }
  }
  return out;
}

const digits = (r: Random, n: number) => String(r.int(10 ** (n - 1), 10 ** n - 1));

/**
 * Failures every data platform sees most: refused connections, rate limits, timeouts, memory and
 * partial input. They head the popularity ranking, so they storm, trip breakers and spend budgets.
 */
export const HOT_FAMILIES: Family[] = [
  { origin: 'hot:postgres-refused', render: (r) => ({ message: `psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "10.2.${r.int(0, 9)}.${r.int(2, 250)}" and accepting TCP/IP connections on port 5432?` }) },
  { origin: 'hot:vendor-refused', render: (r) => ({ message: `requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.vendor.example', port=443): Max retries exceeded with url: /v2/orders?page=${r.int(1, 900)} (Caused by NewConnectionError: Failed to establish a new connection: [Errno 111] Connection refused)` }) },
  { origin: 'hot:rate-limited', render: (r) => ({ message: `HTTP 429 Too Many Requests: rate limit exceeded, retry after ${r.int(5, 120)} seconds` }) },
  { origin: 'hot:kafka-timeout', render: (r) => ({ message: `java.net.SocketTimeoutException: Read timed out after ${r.int(1000, 30000)} ms talking to kafka-broker-${r.int(1, 9)}:9092` }) },
  { origin: 'hot:oom', render: (r) => ({ message: `Container killed: OOMKilled (memory limit ${r.int(1, 64) * 512}Mi exceeded) in pod etl-${digits(r, 5)}` }) },
  { origin: 'hot:partial-input', render: (r) => ({ message: `Row count check failed: table finance.ledger_${digits(r, 8)} has ${r.int(10, 5000)} rows, expected at least ${r.int(90_000, 120_000)}` }) },
];

function lineFamily(key: string, lines: string[], prefix: string): Family {
  return { origin: `loghub:${key}`, render: (r) => ({ message: `${prefix} ${r.pick(lines)}` }) };
}

function pythonFamily(key: string, lines: string[], exc: string, mod: string, fn: string): Family {
  return {
    origin: `loghub+python:${key}`,
    render: (r) => {
      const line = r.pick(lines);
      const detail = ['Traceback (most recent call last):', `  File "/opt/airflow/dags/${mod}_dag.py", line ${r.int(20, 400)}, in execute`, '    result = self.step(context)',
        `  File "/opt/airflow/plugins/medic_etl/${mod}.py", line ${r.int(20, 900)}, in ${fn}`, '    raise', `${exc}: ${line}`].join('\n');
      return { message: `${exc}: ${line}`, detail };
    },
  };
}

function javaFamily(key: string, lines: string[], exc: string, mod: string, fn: string): Family {
  const cls = `${mod.charAt(0).toUpperCase()}${mod.slice(1)}Job`;
  return {
    origin: `loghub+java:${key}`,
    render: (r) => {
      const line = r.pick(lines);
      const detail = [`${exc}: ${line}`, `\tat com.acme.etl.${cls}.${fn}(${cls}.java:${r.int(20, 600)})`, '\tat com.acme.etl.Runner.run(Runner.java:42)',
        '\tat java.base/java.lang.Thread.run(Thread.java:829)'].join('\n');
      return { message: `${exc}: ${line}`, detail };
    },
  };
}

function ciFamily(excerpt: string, index: number): Family {
  const first = excerpt.split('\n').find((l) => l.trim() !== '') ?? excerpt;
  return { origin: `ci-breakages:${index}`, render: () => ({ message: `Build step failed: ${first.trim().slice(0, 300)}`, detail: excerpt }) };
}

/**
 * Candidate families in a fixed order: the hot ones, then every Loghub event under each wrapper,
 * then with Python and JVM stack traces (exception type and top frame make more signatures of one
 * template). The seed keeps the first that yield distinct fingerprints.
 */
export function* candidateFamilies(events: Map<string, string[]>): Generator<Family> {
  yield* HOT_FAMILIES;
  const keys = [...events.keys()];
  for (const prefix of PREFIXES) for (const k of keys) yield lineFamily(k, events.get(k) ?? [], prefix);
  for (let v = 0; v < PY_EXCEPTIONS.length * MODULES.length; v++) {
    for (const k of keys) {
      const lines = events.get(k) ?? [];
      const mod = MODULES[v % MODULES.length] ?? 'etl';
      const fn = FUNCTIONS[(v * 7) % FUNCTIONS.length] ?? 'run';
      yield v % 3 === 2
        ? javaFamily(k, lines, JAVA_EXCEPTIONS[v % JAVA_EXCEPTIONS.length] ?? 'java.io.IOException', mod, fn)
        : pythonFamily(k, lines, PY_EXCEPTIONS[Math.floor(v / MODULES.length)] ?? 'ValueError', mod, fn);
    }
  }
}

/** Every CI excerpt as a family; the seed learns half of them, the bench asks about all. */
export function ciFamilies(): Family[] {
  return ciExcerpts().map(ciFamily);
}
