/** `medic policies diff` as people read it: in a terminal, and as a pull-request comment in Markdown. */
import { COUNTER_NAMES, COUNTERS, type CounterName } from '../policies/diff-counters.ts';
import type { DecisionChange, PolicyDiff } from '../policies/diff-schema.ts';
import { clip, shortTime, table } from './table.ts';

const when = (iso: string | null) => (iso ? `${shortTime(new Date(iso))} UTC` : '');
const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)} %`);
const decided = (s: DecisionChange['base']) => `${s.action}${s.requires_approval ? ' (approval)' : ''}${s.guardrail ? ` [${s.guardrail}]` : ''} by ${s.policy_id ?? 'no policy'}`;

/** What happened after the failure, in a few words. */
export function whatNext(c: DecisionChange): string {
  const parts: string[] = [];
  if (c.next_attempt === 'failed') parts.push('the next attempt failed too');
  else if (c.next_attempt) parts.push(`the next attempt ${c.next_attempt}`);
  if (c.run_recovered) parts.push('the run recovered by itself');
  else {
    const ended = { retry: 'a retry recovered it', next_run: 'the run never recovered; a later run did', rerun: 'people reran it', manual: 'people fixed it by hand', noise: 'closed as noise', open: 'still failing, unresolved' };
    parts.push(ended[c.actual]);
  }
  if (c.sla_missed === true) parts.push('a service missed its deadline');
  if (c.sla_missed === false) parts.push('its services made their deadlines');
  return parts.join('; ');
}

/** The counters worth printing: every one that counted something, and every one a gate names. */
function shownCounters(d: PolicyDiff): CounterName[] {
  const gated = new Set(d.gates.map((g) => g.counter));
  return COUNTER_NAMES.filter((n) => d.counters[n] > 0 || gated.has(n));
}

const actions = (d: PolicyDiff) => [...new Set([...Object.keys(d.base.decisions_by_action), ...Object.keys(d.head.decisions_by_action)])].sort();

function policyChanges(d: PolicyDiff): string {
  const p = d.policies;
  const part = (label: string, ids: string[]) => `${ids.length} ${label}${ids.length ? ` (${ids.join(', ')})` : ''}`;
  return `${part('added', p.added)}, ${part('changed', p.changed)}, ${part('removed', p.removed)}, ${p.unchanged} unchanged`;
}

/** The report for a terminal. */
export function renderDiffText(d: PolicyDiff): string {
  const h = d.history;
  const lines = [
    `Policy diff: ${d.base.label} (revision ${d.base.revision}) → ${d.head.label} (revision ${d.head.revision})`,
    `  over ${h.cases} failures from ${h.origin}${h.anonymised ? ' (anonymised)' : ''} since ${when(h.since)}${h.first ? `, ${when(h.first)} to ${when(h.last)}` : ''}`,
    `  policies: ${policyChanges(d)}`,
    '',
    `${d.counters.changed} of ${h.cases} decisions change`,
    ...(d.transitions.length ? [table(['base action', 'head action', 'decisions'], d.transitions.map((t) => [t.from, t.to, t.count]))] : []),
    '',
    table(['', 'base', 'head'], [
      ...actions(d).map((a) => [a, d.base.decisions_by_action[a] ?? 0, d.head.decisions_by_action[a] ?? 0]),
      ['approvals asked', d.base.approvals, d.head.approvals],
      ['right / wrong', `${d.base.right} / ${d.base.wrong}`, `${d.head.right} / ${d.head.wrong}`],
      ['agreement', pct(d.base.agreement), pct(d.head.agreement)],
    ]),
  ];
  const shown = shownCounters(d);
  if (shown.length) lines.push('', 'What changes', table(['counter', 'decisions', 'what it counts'], shown.map((n) => [n, d.counters[n], COUNTERS[n]])));
  if (d.examples.length) {
    lines.push('', `Examples (${d.examples.length} of ${d.changes.length})`);
    d.examples.forEach((c, i) => lines.push(
      `${i + 1}. ${when(c.failed_at)}  ${c.job}  attempt ${c.attempt}`,
      `   ${clip(c.template, 110)}`,
      `   base: ${decided(c.base)}`,
      `   head: ${decided(c.head)}`,
      `   then: ${whatNext(c)}  [${c.counters.filter((k) => k !== 'changed').join(', ')}]`,
    ));
  }
  if (d.gates.length) {
    lines.push('', 'Gates');
    for (const g of d.gates) lines.push(`  ${g.tripped ? '✗' : '✓'} ${g.expression}: ${g.counter} is ${g.actual}${g.tripped ? ' — tripped' : ''}`);
  }
  lines.push('', 'Notes', ...d.notes.map((n) => `  - ${n}`));
  return lines.join('\n');
}

/** Text safe in a Markdown table cell: pipes escaped, one line, no raw HTML. */
const cell = (s: string) => s.replace(/\s+/g, ' ').replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const code = (s: string) => `\`${s.replace(/\s+/g, ' ').replaceAll('`', "'").replaceAll('|', '\\|')}\``;

/** The report as a pull-request comment. */
export function renderDiffMarkdown(d: PolicyDiff): string {
  const h = d.history;
  const tripped = d.gates.filter((g) => g.tripped);
  const out = [
    '### Medic: what would this policy change have done?',
    '',
    `**${d.counters.changed} of ${h.cases} decisions change** over the failures since ${when(h.since)} (${cell(h.origin)}${h.anonymised ? ', anonymised' : ''}).`,
    `Base ${code(d.base.label)} (\`${d.base.revision}\`) → head ${code(d.head.label)} (\`${d.head.revision}\`); policies ${cell(policyChanges(d))}.`,
    '',
  ];
  if (d.gates.length) {
    out.push(tripped.length
      ? `:x: **Failed:** ${tripped.map((g) => `${code(g.expression)} (${g.counter} is ${g.actual})`).join(', ')}`
      : `:white_check_mark: Passed: ${d.gates.map((g) => code(g.expression)).join(', ')}`, '');
  }
  out.push('| | base | head |', '| --- | ---: | ---: |',
    ...actions(d).map((a) => `| ${a} | ${d.base.decisions_by_action[a] ?? 0} | ${d.head.decisions_by_action[a] ?? 0} |`),
    `| approvals asked | ${d.base.approvals} | ${d.head.approvals} |`,
    `| right / wrong against how incidents ended | ${d.base.right} / ${d.base.wrong} | ${d.head.right} / ${d.head.wrong} |`, '');
  if (d.transitions.length) out.push(`Changed actions: ${d.transitions.map((t) => `${code(`${t.from} → ${t.to}`)} ×${t.count}`).join(', ')}`, '');
  const shown = shownCounters(d);
  if (shown.length) out.push('| counter | decisions | what it counts |', '| --- | ---: | --- |', ...shown.map((n) => `| \`${n}\` | ${d.counters[n]} | ${cell(COUNTERS[n])} |`), '');
  if (d.examples.length) {
    out.push(`<details><summary>${d.examples.length} of ${d.changes.length} changed decisions</summary>`, '',
      '| failed (UTC) | job | failure | base | head | what happened next |', '| --- | --- | --- | --- | --- | --- |',
      ...d.examples.map((c) => `| ${when(c.failed_at).replace(' UTC', '')} | ${code(c.job)} #${c.attempt} | ${code(clip(c.template, 90))} | ${cell(decided(c.base))} | ${cell(decided(c.head))} | ${cell(whatNext(c))} |`),
      '', '</details>', '');
  }
  out.push('<details><summary>How to read this</summary>', '', ...d.notes.map((n) => `- ${cell(n)}`), '', '</details>');
  return out.join('\n');
}

/** Why the revisions could not be compared, in the format asked for. */
export function renderCannotCompare(message: string, format: 'text' | 'json' | 'markdown'): string {
  if (format === 'json') return JSON.stringify({ format: 'medic-policies-diff', version: 1, error: message }, null, 2);
  if (format === 'markdown') return `### Medic: what would this policy change have done?\n\n:warning: **Could not compare:** ${cell(message)}`;
  return `cannot compare: ${message}`;
}
