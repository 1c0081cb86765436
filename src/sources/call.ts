/**
 * The one way a puller reaches its source: authorised with the source's credentials, retried
 * within its limits (429's `Retry-After` honoured, by the HTTP layer), and held to the source's
 * rate and concurrency, which every pass over the source shares.
 */
import PQueue from 'p-queue';
import { authorizedCall, staticCredentials, type Credentials } from '../remediation/auth.ts';
import { airflowCredentials, argoCredentials, controlmCredentials } from '../remediation/credentials.ts';
import type { HttpDeps } from '../remediation/http.ts';
import type { SourceConfig } from './config.ts';
import type { PullCall } from './puller.ts';

export function sourceCredentials(source: SourceConfig, deps: HttpDeps): Credentials {
  switch (source.kind) {
    case 'airflow': return airflowCredentials(source, deps);
    case 'argo': return argoCredentials(source);
    case 'controlm': return controlmCredentials(source, deps);
    case 'marquez': return staticCredentials(source.auth.kind === 'bearer' ? { authorization: `Bearer ${source.auth.token}` } : {});
  }
}

/** A `PullCall` for `source`: at most `pull.concurrency` calls in flight and `pull.rate_per_s` started a second. */
export function pullCallFor(source: SourceConfig, deps: HttpDeps): PullCall {
  const credentials = sourceCredentials(source, deps);
  const { rate_per_s: rate, concurrency } = source.pull;
  // Whole calls per interval: a rate under 1/s becomes one call per 1/rate seconds.
  const queue = rate >= 1
    ? new PQueue({ concurrency, intervalCap: Math.round(rate), interval: 1_000 })
    : new PQueue({ concurrency, intervalCap: 1, interval: Math.round(1_000 / rate) });
  return (req, what) => queue.add(() => authorizedCall(req, credentials, source, deps, what));
}
