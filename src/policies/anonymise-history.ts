import type { ServiceContext } from '../decide/context.ts';
import { splitJob } from '../runs/job-name.ts';
import type { Embedder } from '../signatures/embedder.ts';
import { createAnonymiser } from './anonymise.ts';
import type { StoredFailure } from './backtest-sql.ts';
import { caseKey, type Aftermath, type ReplayHistory } from './history.ts';

/** Which parts of a history `anonymiseHistory` keeps as they are. */
export interface AnonymiseOptions {
  /** Keep job, namespace, source and service names (a policy's `jobs`, `sources` and `services` globs then still match). @defaultValue false */
  keepNames?: boolean;
}

/**
 * The history with names, hosts, addresses and people replaced by keyed hashes of `salt`. Signature
 * vectors are made again by `embedder` from the anonymised exception type and template (the
 * stored ones were made from the original text, frames included), so nothing in the result is
 * derived from what it replaced.
 */
export async function anonymiseHistory(h: ReplayHistory, salt: Uint8Array, embedder: Embedder, options: AnonymiseOptions = {}): Promise<ReplayHistory> {
  const keep = options.keepNames === true;
  const plain = new Set<string>();
  const jobs = new Set<string>();
  for (const f of h.failures) {
    plain.add(f.source).add(f.namespace);
    jobs.add(`${f.namespace}/${f.name}`).add(f.name);
  }
  for (const job of h.jobs ?? []) {
    const split = splitJob(job);
    plain.add(split.namespace);
    jobs.add(job).add(split.name);
  }
  for (const list of h.history.services.values()) for (const s of list) plain.add(s.name);
  const a = createAnonymiser(salt, keep ? { plain: [], jobs: [] } : { plain, jobs });
  const same = (v: string) => v;
  const name = keep ? same : a.name;
  const jobName = keep ? same : a.jobName;
  const vectors = await signatureVectors(h.failures, embedder, a.text);
  const after = new Map<string, Aftermath>();
  const failures = h.failures.map((f): StoredFailure => {
    after.set(caseKey(f), h.after.get(caseKey(f)) ?? { next_attempt: null, sla_missed: null });
    return {
      ...f, run_key: a.runKey(f.run_key),
      source: name(f.source), namespace: name(f.namespace), name: jobName(f.name),
      error_message: f.error_message === null ? null : a.text(f.error_message, f.run_key),
      error_detail: f.error_detail === null ? null : a.text(f.error_detail, f.run_key),
      fingerprint: a.opaque(f.fingerprint), template: a.text(f.template), embedding: vectors.get(f.signature_id) ?? null,
      resolution: f.resolution && { ...f.resolution, actor: a.actor(f.resolution.actor) },
    };
  });
  const qualified = (job: string) => {
    const split = splitJob(job);
    return `${name(split.namespace)}/${jobName(split.name)}`;
  };
  const services = new Map<string, ServiceContext[]>();
  for (const [job, list] of h.history.services) services.set(qualified(job), list.map((s) => ({ ...s, name: name(s.name), title: null })));
  const listed = h.jobs && h.jobs.map(qualified);
  return { ...h, failures, after, history: { ...h.history, services }, anonymised: true, jobNamesAnonymised: !keep, embedder: embedder.id, jobs: listed };
}

/** Each signature's vector, made from its anonymised exception type and template, as pgvector's text. */
async function signatureVectors(failures: readonly StoredFailure[], embedder: Embedder, text: (s: string) => string): Promise<Map<number, string>> {
  const bySignature = new Map<number, string>();
  for (const f of failures) if (!bySignature.has(f.signature_id)) bySignature.set(f.signature_id, [f.exception_type ?? '', text(f.template)].join(' '));
  const ids = [...bySignature.keys()];
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 100) {
    const batch = ids.slice(i, i + 100);
    const vecs = await embedder.embed(batch.map((id) => bySignature.get(id) ?? ''));
    batch.forEach((id, k) => out.set(id, JSON.stringify(vecs[k] ?? [])));
  }
  return out;
}
