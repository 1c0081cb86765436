import { withTransaction, type Pool } from '../db/pool.ts';
import { localMiner, MINER_LOCK, saveMinerState } from '../signatures/shared-miner.ts';
import { createSignatureService } from '../signatures/service.ts';
import { createMiner, MinerState } from '../signatures/template-miner.ts';
import { addSignatureKey, failureMessage, getAttempt } from './sql.ts';

export type UpgradeOutcome =
  | { kind: 'current' }
  | { kind: 'upgraded'; signatures: number; keys: number };

/**
 * Carries the stored signatures over to the current miner when the store's miner state was
 * written by the first one (its masking and grouping differ, so the same failure would now land
 * in another cluster and get another fingerprint). Every signature's first failure is mined
 * again, in the order the signatures were made, into a fresh miner whose ids start after the old
 * ones; the fingerprint that failure gets now is recorded as a key of the signature it had, so
 * incidents, resolutions and policy history stay where they were. Runs once, under the miner's
 * lock, in one transaction: a process that starts meanwhile waits and then finds it done.
 */
export async function upgradeSignatures(pool: Pool): Promise<UpgradeOutcome> {
  return withTransaction(pool, async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MINER_LOCK]);
    const row = (await tx.query<{ version: number; state: unknown }>('select version, state from miner_state')).rows[0];
    if (!row) return { kind: 'current' } as const;
    const old = MinerState.parse(row.state);
    if (old.version !== 1) return { kind: 'current' } as const;

    const miner = createMiner({}, { version: 2, nextId: old.nextId, clusters: [], aliases: [] });
    const service = createSignatureService(localMiner(miner));
    const signatures = await tx.query<{ id: number; fingerprint: string; sample: string; run_id: number | null; attempt: number | null }>(
      `select s.id, s.fingerprint, s.sample, first.run_id, first.attempt
       from signatures s
       left join lateral (
         select ir.run_id, ir.attempt from incidents i join incident_runs ir on ir.incident_id = i.id
         where i.signature_id = s.id order by ir.failed_at, ir.run_id limit 1) first on true
       order by s.id`);
    let keys = 0;
    for (const s of signatures.rows) {
      const run = s.run_id === null ? undefined : await getAttempt(tx, s.run_id, s.attempt ?? undefined);
      const message = run ? failureMessage(run) : s.sample;
      const detail = run?.error_detail ?? null;
      const now = await service.derive(message, detail);
      if (now.fingerprint === s.fingerprint) continue;
      if (await addSignatureKey(tx, now.fingerprint, s.id)) keys++;
    }
    await saveMinerState(tx, row.version + 1, miner);
    return { kind: 'upgraded', signatures: signatures.rows.length, keys } as const;
  });
}
