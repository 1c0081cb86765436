/**
 * Marquez's REST API as the puller reads it: GETs under `/api/v1`, answered with JSON, and the
 * one place a failed call becomes a `failed` step.
 */
import type { MarquezSource } from './config.ts';
import type { PullCall } from './puller.ts';
import { failedStep, isObject, sourceGet, timeOf, type Answer } from './source-api.ts';

export { failedStep, isObject, timeOf, type Answer };

export interface MarquezApi {
  /** GETs `path` (under `/api/v1`, segments already encoded) with `query`. */
  get(path: string, query: Record<string, string | number>, what: string): Promise<Answer>;
}

/** The API root: the configured URL, with `/api/v1` added unless it names it already. */
export function apiRoot(url: string): string {
  return /\/api\/v1$/.test(url) ? url : `${url}/api/v1`;
}

/** A path segment from a Marquez name: job names hold dots and slashes, namespaces colons. */
export const segment = (name: string): string => encodeURIComponent(name);

export function marquezApi(source: MarquezSource, call: PullCall): MarquezApi {
  return { get: sourceGet(source, apiRoot(source.url), call) };
}

/** Marquez's `totalCount`, when it sent a usable one. */
export const totalOf = (body: Record<string, unknown>): number | undefined =>
  (typeof body.totalCount === 'number' && Number.isInteger(body.totalCount) && body.totalCount >= 0 ? body.totalCount : undefined);
