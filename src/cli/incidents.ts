import type { Command } from 'commander';
import { incidentDetail } from '../incidents/evidence.ts';
import { listIncidents } from '../incidents/read-sql.ts';
import { IncidentStatus } from '../incidents/schema.ts';
import { openRuntime } from '../runtime.ts';
import { configOrExit, quiet } from './config.ts';
import { clip, shortTime, table } from './table.ts';

export function registerIncidents(program: Command): void {
  program.command('incidents').description('list incidents, newest first')
    .option('--status <status>', `only incidents in this status (${IncidentStatus.options.join(', ')})`)
    .option('--limit <n>', 'how many', '30')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; limit: string; json?: boolean }) => {
      const status = opts.status === undefined ? undefined : IncidentStatus.parse(opts.status);
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const rows = await listIncidents(runtime.deps.pool, { limit: Number.parseInt(opts.limit, 10) || 30, ...(status ? { status } : {}) });
        if (opts.json) return console.log(JSON.stringify(rows, null, 2));
        console.log(table(['id', 'status', 'kind', 'job', 'seen', 'last seen (UTC)', 'signature', 'resolved by'],
          rows.map((i) => [i.id, i.status, i.kind, clip(`${i.job.namespace}/${i.job.name}`, 36), i.occurrences,
            shortTime(i.last_seen_at), clip(i.signature.template, 50), i.resolution ? `${i.resolution.action} (${i.resolution.outcome})` : ''])));
      } finally {
        await runtime.close();
      }
    });

  program.command('incident').argument('<id>', 'incident id').description('one incident with its evidence')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const detail = await incidentDetail(runtime.deps.pool, Number.parseInt(id, 10));
        if (!detail) {
          process.exitCode = 1;
          return console.error(`incident ${id} does not exist`);
        }
        if (opts.json) return console.log(JSON.stringify(detail, null, 2));
        console.log(renderIncident(detail));
      } finally {
        await runtime.close();
      }
    });
}

type Detail = NonNullable<Awaited<ReturnType<typeof incidentDetail>>>;

/** An incident as an on-call engineer reads it in a terminal. */
export function renderIncident(d: Detail): string {
  const lines = [
    `Incident ${d.id} — ${d.status}${d.kind === 'storm' ? ` (storm across ${d.jobs_affected} jobs)` : ''}`,
    `  job        ${d.job.namespace}/${d.job.name}`,
    `  signature  ${d.signature.template}${d.signature.exception_type ? `  [${d.signature.exception_type}]` : ''}`,
    `  seen       ${d.occurrences}× since ${shortTime(d.opened_at)} UTC, last ${shortTime(d.last_seen_at)}; ${d.evidence.outlier.label} (${d.evidence.outlier.days_seen_in_30} of the last 30 days)`,
  ];
  if (d.resolution) lines.push(`  resolved   ${d.resolution.action} by ${d.resolution.actor}: ${d.resolution.outcome}`);
  lines.push('', 'What fixed similar failures:');
  if (d.evidence.fixes.length === 0) lines.push('  nothing recorded yet');
  for (const f of d.evidence.fixes.slice(0, 4)) lines.push(`  - ${f.summary}`);
  lines.push('', 'Most similar past incidents:');
  if (d.evidence.similar_incidents.length === 0) lines.push('  none');
  for (const s of d.evidence.similar_incidents) {
    lines.push(`  - #${s.incident_id} (${Math.round(s.similarity * 100)} %) ${clip(s.title, 70)}${s.resolution ? ` → ${s.resolution.action}` : ''}`);
  }
  return lines.join('\n');
}
