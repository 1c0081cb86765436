/**
 * What the console bench adds to the decision bench's seed (1M runs, 100k incidents, services,
 * 200k decisions): 5,000 approval requests on recent incidents — 40 pending, the rest approved,
 * rejected or expired — with their decisions, votes, executions and audit entries, written once
 * by set-based SQL. Idempotent: a second call finds them and does nothing.
 */
import type { Pool } from '../../src/db/pool.ts';

const REQUESTER = 'bench-console';
export const APPROVALS = 5_000;
export const PENDING = 40;

export async function seedConsole(pool: Pool): Promise<{ added: boolean; approvals: number }> {
  const have = (await pool.query<{ n: number }>('select count(*)::int as n from approvals where requester = $1', [REQUESTER])).rows[0]?.n ?? 0;
  if (have > 0) return { added: false, approvals: have };
  const client = await pool.connect();
  try {
    await client.query('begin');
    // The latest failed attempt of the most recent incidents, one request each.
    await client.query(`
      create temporary table bench_asks on commit drop as
      select row_number() over (order by i.last_seen_at desc) as n, gen_random_uuid() as decision_id,
             i.id as incident_id, i.signature_id, s.template, ir.run_id, ir.attempt, j.namespace || '/' || j.name as job,
             r.run_key, i.last_seen_at as at
      from (select * from incidents order by last_seen_at desc limit $1) i
      join signatures s on s.id = i.signature_id
      join lateral (select run_id, attempt from incident_runs where incident_id = i.id order by failed_at desc limit 1) ir on true
      join runs r on r.id = ir.run_id join jobs j on j.id = r.job_id`, [APPROVALS]);
    await client.query(`
      insert into decisions (id, kind, job, run_key, attempt, signature_id, policy_id, action, enforced, requires_approval, policy_revision, input, result, created_at)
      select decision_id, 'failure', job, run_key, attempt, signature_id, 'bench-gated-retry', 'retry', true, true, 'bench',
             json_build_object('kind', 'failure', 'job', job, 'run', json_build_object('key', run_key), 'attempt', attempt),
             json_build_object('action', 'retry', 'requires_approval', true, 'reason', 'bench: a gated retry'), at
      from bench_asks`);
    await client.query(`
      insert into approvals (decision_id, incident_id, run_id, policy_id, action, action_version, target, requirement, requester, status,
                             evidence, dry_run, expires_at, expiry_reason, useful_until, created_at, decided_at)
      select decision_id, incident_id, run_id, 'bench-gated-retry', '{"kind":"retry","delay_s":60,"max_attempts":3}', 1,
             json_build_object('kind', 'airflow', 'source', 'bench', 'dag_id', 'bench', 'dag_run_id', run_key, 'task_id', job),
             '{"kind":"quorum","groups":["data-oncall"],"count":2,"separation_of_duties":true}', $1::text,
             case when n <= $2::int then 'pending' when n % 7 = 0 then 'rejected' when n % 11 = 0 then 'expired' else 'approved' end,
             json_build_object('reason', 'bench: a gated retry', 'signature', json_build_object('id', signature_id, 'template', template, 'exception_type', null),
                               'similar_incidents', '[]'::json, 'success_rates', '[]'::json),
             json_build_object('kind', 'request', 'method', 'POST', 'url', 'http://airflow.bench/api/v2/dags/bench/clearTaskInstances'),
             case when n <= $2::int then now() + interval '50 minutes' else at + interval '1 hour' end, 'ttl', null,
             case when n <= $2::int then now() - (n || ' minutes')::interval else at end,
             case when n <= $2::int then null else at + interval '5 minutes' end
      from bench_asks`, [REQUESTER, PENDING]);
    await client.query(`
      insert into approval_votes (approval_id, approver, verdict, reason, via, action_version, at)
      select a.id, v.approver, case when a.status = 'rejected' and v.approver = 'bob' then 'reject' else 'approve' end,
             case when a.status = 'rejected' and v.approver = 'bob' then 'bench: not now' else null end, 'web', 1, a.created_at + interval '3 minutes'
      from approvals a cross join (values ('alice'), ('bob')) v(approver)
      where a.requester = $1 and a.status in ('approved', 'rejected')`, [REQUESTER]);
    await client.query(`
      insert into executions (decision_id, approval_id, incident_id, signature_id, policy_id, run_id, attempt, source, action, target, actor, state,
                              not_before, attempts, verification, executed_at, verified_at, created_at, updated_at)
      select a.decision_id, a.id, a.incident_id, d.signature_id, a.policy_id, a.run_id, d.attempt, 'bench', a.action, a.target, 'alice, bob',
             'executed', a.decided_at, 1, 'succeeded', a.decided_at + interval '1 minute', a.decided_at + interval '30 minutes', a.decided_at, a.decided_at
      from approvals a join decisions d on d.id = a.decision_id where a.requester = $1 and a.status = 'approved'`, [REQUESTER]);
    await client.query(`
      insert into audit_log (at, actor, kind, incident_id, decision_id, approval_id, detail)
      select a.created_at, 'medic', 'approval.requested', a.incident_id, a.decision_id, a.id, '{}'::jsonb from approvals a where a.requester = $1
      union all
      select v.at, v.approver, 'approval.vote', a.incident_id, a.decision_id, a.id, jsonb_build_object('verdict', v.verdict, 'via', v.via, 'action_version', 1)
      from approval_votes v join approvals a on a.id = v.approval_id where a.requester = $1`, [REQUESTER]);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  } finally {
    client.release();
  }
  return { added: true, approvals: APPROVALS };
}
