import { decide } from '../decide/decide.ts';
import { patient } from '../decide/patient.ts';
import { DecisionInput } from '../decide/schema.ts';
import type { Deps } from '../deps.ts';
import { forecastService } from '../sla/service-forecast.ts';
import { saveForecast } from '../sla/sql.ts';
import { table } from './table.ts';

const LOAD = { namespace: 'airflow-prod', name: 'finance_close.load_dw' };

/**
 * Asks the decision endpoint's engine what to do about today's second load failure, as Airflow's
 * failure callback would, after a forecast sweep has seen the close at risk: the evidence, the
 * policies that did and did not match, and what the SLA check made of a retry.
 */
export async function showDecision(deps: Deps, replayAt: Date): Promise<void> {
  const f = await forecastService(deps.pool, 'finance-close', replayAt);
  if (f.kind === 'forecast') await saveForecast(deps.pool, f.value);
  const run = (await deps.pool.query<{ run_key: string; attempts: number; error_message: string | null }>(
    `select r.run_key, r.attempts, r.error_message from runs r join jobs j on j.id = r.job_id
     where j.namespace = $1 and j.name = $2 and r.state = 'failed' and r.ended_at <= $3 order by r.ended_at desc limit 1`,
    [LOAD.namespace, LOAD.name, replayAt.toISOString()])).rows[0];
  if (!run?.error_message) return;
  const input = DecisionInput.parse({
    kind: 'failure', source: 'airflow-prod', orchestrator: 'openlineage', job: LOAD, run: { key: run.run_key },
    attempt: run.attempts, error: { message: run.error_message }, time: replayAt.toISOString(), requester: 'airflow-prod',
  });
  const { decision_id, result } = await decide(patient(deps), input);
  console.log(`\n7. Airflow's failure callback asks POST /v1/decide about it (decision ${decision_id.slice(0, 8)})\n`);
  console.log(`   ${clip(run.error_message, 100)}\n`);
  console.log(`   → ${result.action}${result.delay_s ? ` in ${result.delay_s} s` : ''}${result.requires_approval ? ' (approval required)' : ''}`);
  console.log(`   ${result.reason}`);
  if (result.proposed) console.log(`   the policy proposed: ${result.proposed.kind}; the ${result.guardrail?.kind ?? ''} guardrail replaced it`);
  const ev = result.evidence as { forecast?: { service: string; forecast: { p_breach: number; slack_min: number } | null }[]; signature?: { template: string }; success_rates?: { summary: string }[]; similar_incidents?: { incident_id: number; similarity: number; title: string; resolution: { action: string } | null }[] };
  if (ev.signature) console.log(`\n   signature: ${clip(ev.signature.template, 100)}`);
  for (const f of ev.forecast ?? []) {
    if (f.forecast) console.log(`   forecast:  ${f.service} ${Math.round(f.forecast.p_breach * 100)} % to miss its deadline, slack ${f.forecast.slack_min} min — the SLA check weighed the retry against it and the services after it`);
  }
  for (const s of ev.success_rates ?? []) console.log(`   history:   ${s.summary}`);
  if (ev.similar_incidents?.length) {
    console.log(table(['incident', 'similarity', 'ended by', 'title'], ev.similar_incidents.slice(0, 3).map((i) => [i.incident_id, i.similarity, i.resolution?.action ?? 'open', clip(i.title, 60)])));
  }
  console.log('\n   policies, highest priority first:');
  for (const e of result.explanation.slice(0, 6)) console.log(`   ${e.matched ? '✓' : '·'} ${e.policy_id.padEnd(32)} ${clip(e.because, 80)}`);
}

function clip(s: string, n: number): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}
