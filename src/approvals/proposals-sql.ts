import type { Queryable } from '../db/pool.ts';

export interface ProposalRow {
  id: number;
  signature_id: number;
  action: string;
  policy_id: string;
  evidence: Record<string, unknown>;
  yaml: string;
  status: 'open' | 'dismissed' | 'applied-elsewhere';
  created_at: Date;
}

/** Inserts a proposal unless one exists for the signature, action and policy; its id when new. */
export async function insertProposal(db: Queryable, p: {
  signatureId: number; action: string; policyId: string; evidence: Record<string, unknown>; yaml: string; at: Date;
}): Promise<number | null> {
  const r = await db.query<{ id: number }>(
    `insert into policy_proposals (signature_id, action, policy_id, evidence, yaml, created_at) values ($1, $2, $3, $4, $5, $6)
     on conflict (signature_id, action, policy_id) do nothing returning id`,
    [p.signatureId, p.action, p.policyId, JSON.stringify(p.evidence), p.yaml, p.at.toISOString()],
  );
  return r.rows[0]?.id ?? null;
}

export async function listProposals(db: Queryable, f: { status?: string; limit: number }): Promise<ProposalRow[]> {
  const r = await db.query<ProposalRow>(
    `select * from policy_proposals where ($1::text is null or status = $1) order by id desc limit $2`,
    [f.status ?? null, f.limit],
  );
  return r.rows;
}
