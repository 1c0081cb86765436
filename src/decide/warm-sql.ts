import type { Queryable } from '../db/pool.ts';

/** The signatures failures were most often about lately, with their stored vectors, most frequent first. */
export async function busySignatures(db: Queryable, since: Date, limit: number): Promise<{ id: number; fingerprint: string; embedding: number[] }[]> {
  const r = await db.query<{ id: string; fingerprint: string; embedding: string }>(
    `select s.id, s.fingerprint, s.embedding::text as embedding
     from (select i.signature_id, count(*) as n from incidents i where i.opened_at >= $1 group by i.signature_id order by n desc limit $2) top
     join signatures s on s.id = top.signature_id
     where s.embedding is not null
     order by top.n desc`,
    [since.toISOString(), limit],
  );
  return r.rows.map((x) => ({ id: Number(x.id), fingerprint: x.fingerprint, embedding: JSON.parse(x.embedding) as number[] }));
}

/** The jobs that ran most lately, most runs first. */
export async function busyJobs(db: Queryable, since: Date, limit: number): Promise<string[]> {
  const r = await db.query<{ job: string }>(
    `select j.namespace || '/' || j.name as job
     from (select r.job_id, count(*) as n from runs r where r.state_at >= $1 group by r.job_id order by n desc limit $2) top
     join jobs j on j.id = top.job_id order by top.n desc`,
    [since.toISOString(), limit],
  );
  return r.rows.map((x) => x.job);
}
