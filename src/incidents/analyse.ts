import type { Logger } from 'pino';
import { withTransaction, type Pool } from '../db/pool.ts';
import type { Embedder } from '../signatures/embedder.ts';
import type { SignatureService } from '../signatures/service.ts';
import {
  failureMessage,
  attachRun, findOpenIncident, getAttempt, insertIncident, isAnalysed, recoveredIncidents, resolveIncident,
  upsertSignature,
} from './sql.ts';

export interface AnalyseDeps {
  pool: Pool;
  signatures: SignatureService;
  embedder: Embedder;
  log: Logger;
  /** Failures of one signature on other jobs within this window join the same incident (a storm). */
  stormWindowMs: number;
}

/** What analysing a failed run came to. */
export type AnalyseOutcome =
  | { kind: 'not-found' }
  | { kind: 'not-failed'; state: string }
  | { kind: 'already-analysed'; runId: number }
  | { kind: 'attached'; incidentId: number; signatureId: number; opened: boolean; resolved: number };

// Namespaces the advisory locks that serialise incident bookkeeping per signature.
const INCIDENT_LOCK = 72_304_162; // the two-key form takes int4 keys

/**
 * A failed run gets a signature, then opens an incident or joins the open one with the same
 * signature and job (or the storm of that signature). Idempotent: a redelivered job is a no-op.
 */
export async function analyseFailure(deps: AnalyseDeps, runId: number, attempt?: number): Promise<AnalyseOutcome> {
  const run = await getAttempt(deps.pool, runId, attempt);
  if (!run) return { kind: 'not-found' };
  if (run.state !== 'failed' && run.state !== 'aborted') return { kind: 'not-failed', state: run.state };
  if (await isAnalysed(deps.pool, run.id, run.attempt)) return { kind: 'already-analysed', runId };

  const message = failureMessage(run);
  const sig = await deps.signatures.derive(message, run.error_detail);
  const [embedding] = await deps.embedder.embed([sig.embeddingText]);
  if (!embedding) throw new Error('embedder returned no vector');

  return withTransaction(deps.pool, async (tx) => {
    const signatureId = await upsertSignature(tx, {
      fingerprint: sig.fingerprint, aliasFingerprints: sig.aliasFingerprints, clusterId: sig.clusterId, template: sig.template, exceptionType: sig.exceptionType,
      language: sig.language, topFrames: sig.topFrames, sample: message.slice(0, 4_000), embedding, seenAt: run.failed_at,
    });
    await tx.query('select pg_advisory_xact_lock($1, $2)', [INCIDENT_LOCK, signatureId]);
    if (await isAnalysed(tx, run.id, run.attempt)) return { kind: 'already-analysed', runId } as const;
    const since = new Date(run.failed_at.getTime() - deps.stormWindowMs);
    const open = await findOpenIncident(tx, signatureId, run.job_id, since);
    const incidentId = open?.id ?? await insertIncident(tx, {
      signatureId, jobId: run.job_id, title: `${run.job_namespace}/${run.job_name}: ${sig.template}`.slice(0, 500),
      at: run.failed_at,
    });
    await attachRun(tx, { incidentId, runId: run.id, attempt: run.attempt, jobId: run.job_id, failedAt: run.failed_at });
    // History may arrive all at once: the recovery can already be stored when the failure is analysed.
    const resolved = (await settleRecovered(tx, run.job_id)).length;
    return { kind: 'attached', incidentId, signatureId, opened: !open, resolved } as const;
  });
}

/**
 * Resolves the open incidents of a job whose affected jobs have all completed since they failed:
 * by a retry when the same run recovered, else by the next run. Returns the ids it resolved.
 */
export async function settleRecovered(db: Parameters<typeof recoveredIncidents>[0], jobId: number): Promise<number[]> {
  const resolved: number[] = [];
  for (const rec of await recoveredIncidents(db, jobId)) {
    const ttr = rec.recovered_at.getTime() - rec.first_failed_at.getTime();
    const ok = await resolveIncident(db, {
      incidentId: rec.incident_id,
      action: rec.same_run ? 'retry' : 'next_run',
      detail: rec.same_run ? 'the orchestrator retried the run' : 'the next run of the job completed',
      actor: 'orchestrator',
      outcome: 'success',
      timeToRecoverMs: Math.max(0, ttr),
      resolvedAt: rec.recovered_at,
      runId: rec.run_id,
    });
    if (ok) resolved.push(rec.incident_id);
  }
  return resolved;
}
