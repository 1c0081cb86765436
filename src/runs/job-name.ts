/**
 * A job named in one string, `namespace/name`, as services, policies and the API write it: the
 * namespace ends at the first `/` (a job's name may hold more, as Control-M folders do).
 */
export function splitJob(job: string): { namespace: string; name: string } {
  const slash = job.indexOf('/');
  return { namespace: job.slice(0, slash), name: job.slice(slash + 1) };
}

/** `namespace/name` strings as the two arrays a query unnests into (namespace, name). */
export function splitJobs(jobs: readonly string[]): [namespaces: string[], names: string[]] {
  const parts = jobs.map(splitJob);
  return [parts.map((p) => p.namespace), parts.map((p) => p.name)];
}
