import { context, escape, header, link, message, section, slackDate, type SlackMessage } from './blocks.ts';
import type { RiskCard } from './risk-card.ts';

const short = (job: string) => job.split('/').pop() ?? job;
const pct = (p: number) => `${Math.round(p * 100)} %`;

/** The message about an SLA risk; cleared, it says the service is back on track. */
export function riskMessage(c: RiskCard, publicUrl: string): SlackMessage {
  const self = `${publicUrl}/v1/services/${encodeURIComponent(c.service)}/forecast`;
  const open = c.status === 'open';
  const act = c.timeToAct
    ? c.timeToAct.latest ? `*${escape(short(c.timeToAct.job))}* by ${slackDate(c.timeToAct.latest, '{time}')}` : `*${escape(short(c.timeToAct.job))}*: even now may be too late`
    : 'nothing to act on';
  const downstream = c.downstream.slice(0, 8).map((d) => `• *${escape(d.service)}*${d.pMiss === null ? ': cannot tell' : `: ${pct(d.pMiss)} chance to miss`}${d.deadline ? ` ${slackDate(d.deadline, '{time}')}` : ''}`);
  const blocks = [
    header(open ? `:warning: SLA at risk · ${c.title}` : `:large_green_circle: Back on track · ${c.title}`),
    section(c.summary, self, [
      `*Chance to miss*\n${pct(c.pBreach)}`, `*Deadline*\n${slackDate(c.deadline)}`,
      `*ETA*\n${slackDate(c.etaP50, '{time}')} (p90 ${slackDate(c.etaP90, '{time}')})`, `*Time to act*\n${open ? act : 'no longer needed'}`,
    ]),
    ...(c.criticalPath.length ? [section(`*Critical path* ${c.criticalPath.map((j) => escape(short(j))).join(' → ')}`, self)] : []),
    ...(downstream.length ? [section(`*Downstream*\n${downstream.join('\n')}`, self)] : []),
    context([`Medic · ${escape(c.service)} · instance ${escape(c.instance)} · ${link(self, 'forecast in Medic')}`]),
  ];
  const text = `${open ? 'SLA at risk' : 'Back on track'}: ${c.title}, ${pct(c.pBreach)} chance to miss its deadline.`;
  return message(escape(text), blocks, self);
}
