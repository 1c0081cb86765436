/**
 * `/medic`: incidents, one incident, a service's forecast, approve and reject, help. Answered in
 * the response to the command itself (within Slack's three seconds): privately, except a
 * recorded vote, which the channel sees.
 */
import type { Deps } from '../deps.ts';
import { listIncidents } from '../incidents/read-sql.ts';
import { forecastService } from '../sla/service-forecast.ts';
import { getService } from '../sla/sql.ts';
import { escape, link, slackDate, type Block } from './blocks.ts';
import { loadIncidentCard } from './card.ts';
import { incidentMessage } from './incident-blocks.ts';
import type { SlashCommand } from './payloads.ts';
import { riskMessage } from './risk-blocks.ts';
import { riskCardOf } from './risk-card.ts';
import { voteFromSlack, voteReply, type SlackVoteDeps } from './vote.ts';

export type CommandDeps = SlackVoteDeps & Pick<Deps, 'pool'>;
export type CommandAnswer = { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: Block[] };

export const HELP = [
  '*/medic incidents* — the open incidents',
  '*/medic incident ID* — one incident with its evidence and proposed action',
  '*/medic forecast SERVICE* — the service\'s chance to miss its deadline, and the time left to act',
  '*/medic approve ID [reason]* — approve approval ID (as the Medic approver your Slack user maps to)',
  '*/medic reject ID reason* — reject approval ID, saying why',
  '*/medic help* — this',
].join('\n');

const quiet = (text: string, blocks?: Block[]): CommandAnswer => ({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) });
const FORECAST_SAMPLES = 2_000;

async function incidents(deps: CommandDeps): Promise<CommandAnswer> {
  const open = await listIncidents(deps.pool, { status: 'open', limit: 10 });
  if (open.length === 0) return quiet('No open incidents.');
  const url = (id: number) => `${deps.config.publicUrl}/v1/incidents/${id}`;
  const lines = open.map((i) => `• ${link(url(i.id), `#${i.id}`)} \`${escape(`${i.job.namespace}/${i.job.name}`)}\` ${i.occurrences}× since ${slackDate(i.opened_at)} — ${escape(i.signature.template.slice(0, 120))}`);
  return quiet(`*Open incidents* (newest first)\n${lines.join('\n')}`);
}

async function incident(deps: CommandDeps, id: number): Promise<CommandAnswer> {
  const card = await loadIncidentCard(deps.pool, { incidentId: id });
  if (!card) return quiet(`Incident ${id} does not exist.`);
  const m = incidentMessage(card, deps.config.publicUrl);
  return quiet(m.text, m.blocks);
}

async function forecast(deps: CommandDeps, name: string): Promise<CommandAnswer> {
  const out = await forecastService(deps.pool, name, deps.clock(), { samples: FORECAST_SAMPLES });
  switch (out.kind) {
    case 'unknown-service': return quiet(`There is no service "${escape(name)}".`);
    case 'no-instance': return quiet(`${escape(name)} has nothing to forecast now: ${escape(out.reason)}.`);
    case 'forecast': {
      const title = (await getService(deps.pool, name))?.definition.title ?? null;
      const m = riskMessage(riskCardOf(out.value, title, out.value.atRisk ? 'open' : 'cleared'), deps.config.publicUrl);
      return quiet(m.text, m.blocks);
    }
    default: {
      const never: never = out;
      return never;
    }
  }
}

const idOf = (s: string | undefined) => (s && /^\d{1,15}$/.test(s) ? Number(s) : undefined);

/** Runs `/medic <text>` for the Slack user who typed it. */
export async function runCommand(deps: CommandDeps, cmd: SlashCommand): Promise<CommandAnswer> {
  const [verb = 'help', first, ...rest] = cmd.text.trim().split(/\s+/).filter((w) => w !== '');
  const reason = rest.join(' ').trim();
  switch (verb.toLowerCase()) {
    case 'incidents': return incidents(deps);
    case 'incident': {
      const id = idOf(first);
      return id === undefined ? quiet('Usage: `/medic incident ID`') : incident(deps, id);
    }
    case 'forecast': return first ? forecast(deps, first) : quiet('Usage: `/medic forecast SERVICE`');
    case 'approve':
    case 'reject': {
      const verdict = verb.toLowerCase() === 'approve' ? 'approve' : 'reject';
      const id = idOf(first);
      if (id === undefined) return quiet(`Usage: \`/medic ${verdict} ID${verdict === 'reject' ? ' reason' : ' [reason]'}\``);
      if (verdict === 'reject' && reason === '') return quiet(`Say why: \`/medic reject ${id} <reason>\``);
      return voteReply(await voteFromSlack(deps, cmd.user_id, id, verdict, reason === '' ? null : reason.slice(0, 2_000)), id, verdict, true);
    }
    case 'help': return quiet(HELP);
    default: return quiet(`Unknown command "${escape(verb)}".\n${HELP}`);
  }
}
