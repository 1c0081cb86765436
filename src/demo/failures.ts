import type { Random } from './random.ts';

/**
 * Failure texts of the kinds on-call engineers meet, with their variable parts varying from
 * one occurrence to the next so that signatures have something to do.
 */
export const failureKinds = {
  connectionRefused: (r: Random) => ({
    message: `psycopg2.OperationalError: could not connect to server: Connection refused\n\tIs the server running on host "10.20.${r.int(1, 9)}.${r.int(2, 250)}" and accepting TCP/IP connections on port 5432?`,
    stackTrace: `Traceback (most recent call last):\n  File "/opt/airflow/dags/finance/extract.py", line ${r.int(40, 48)}, in extract_bank\n    conn = psycopg2.connect(dsn)\n  File "/usr/local/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect\n    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)\npsycopg2.OperationalError: could not connect to server: Connection refused`,
  }),
  rateLimited: (r: Random) => ({
    message: `snowflake.connector.errors.ProgrammingError: 429 Too Many Requests: retry after ${r.int(10, 60)} seconds (request id ${r.uuid()})`,
    stackTrace: undefined,
  }),
  diskFull: (r: Random) => ({
    message: `OSError: [Errno 28] No space left on device: '/data/staging/ledger_${r.int(20260101, 20261130)}.parquet'`,
    stackTrace: undefined,
  }),
  oomKilled: (r: Random) => ({
    message: `OOMKilled (exit code 137): container main used ${r.int(7900, 8200)}Mi of 8Gi limit`,
    stackTrace: undefined,
  }),
  partialInput: (r: Random) => ({
    message: `AssertionError: reconciliation mismatch: ${r.int(3, 900)} ledger rows missing for account batch ${r.int(1000, 9999)}`,
    stackTrace: undefined,
  }),
  sftpTimeout: (r: Random) => ({
    message: `SFTP transfer to bank gateway sftp://pay.bank.example:22/in/PAY${r.int(100000, 999999)}.xml timed out after ${r.int(120, 300)}s`,
    stackTrace: undefined,
  }),
  kycUpstream: (r: Random) => ({
    message: `HTTP 503 Service Unavailable from https://kyc.vendor.example/v2/checks/${r.uuid()} after ${r.int(2, 5)} attempts`,
    stackTrace: undefined,
  }),
} as const;

export type FailureKind = keyof typeof failureKinds;
