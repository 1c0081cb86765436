/**
 * The configured sources with their pullers, built once per process: a source's rate and
 * concurrency limits hold across every pass this process makes over it.
 */
import type { HttpDeps } from '../remediation/http.ts';
import { pullCallFor } from './call.ts';
import type { SourceConfig } from './config.ts';
import type { Puller, PullCall } from './puller.ts';

export interface SourceEntry {
  config: SourceConfig;
  puller: Puller;
}

export interface Sources {
  readonly list: readonly SourceEntry[];
  get(name: string): SourceEntry | undefined;
}

export type PullerFactory = (source: SourceConfig, call: PullCall) => Puller;

export function createSources(configs: readonly SourceConfig[], http: HttpDeps, pullerFor: PullerFactory): Sources {
  const list = configs.map((config) => ({ config, puller: pullerFor(config, pullCallFor(config, http)) }));
  const byName = new Map(list.map((e) => [e.config.source, e]));
  return { list, get: (name) => byName.get(name) };
}

/**
 * What a source says about itself without its secrets: enough to tell which one it is
 * (`GET /v1/sources`, `medic sync`), never a credential.
 */
export function publicView(c: SourceConfig) {
  return {
    source: c.source, kind: c.kind, url: withoutUserinfo(c.url), ...(c.kind === 'airflow' ? { api: c.api } : {}),
    namespaces: c.pull.namespaces, interval_s: c.pull.interval_s, since_days: Math.round(c.pull.since / 86_400_000 * 100) / 100,
    page_size: c.pull.page_size, rate_per_s: c.pull.rate_per_s, concurrency: c.pull.concurrency,
  };
}

function withoutUserinfo(url: string): string {
  const u = new URL(url);
  if (!u.username && !u.password) return url;
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/+$/, '');
}
