import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { clockTime } from '../sla/deadline.ts';
import { forecastService, type ServiceForecast } from '../sla/service-forecast.ts';
import type { Deadline } from '../sla/schema.ts';
import { getService } from '../sla/sql.ts';
import { configOrExit, quiet } from './config.ts';

/** The ETA distribution as a fan: one bar per quantile, the deadline marked with `|`. */
export function renderFan(f: ServiceForecast, deadline: Deadline, width = 50): string {
  const from = f.at.getTime();
  const points = f.forecast.fan.map((p) => p.at.getTime());
  const to = Math.max(f.instance.deadline.getTime(), ...points) + 60_000;
  const col = (t: number) => Math.max(0, Math.min(width, Math.round(((t - from) / (to - from)) * width)));
  const mark = col(f.instance.deadline.getTime());
  return f.forecast.fan.map((p) => {
    const bar = Array.from({ length: width + 1 }, (_, i) => (i === mark ? '|' : i <= col(p.at.getTime()) ? '█' : ' ')).join('');
    return `  p${String(Math.round(p.q * 100)).padStart(2)}  ${clockTime(p.at, deadline)}  ${bar}`;
  }).join('\n');
}

export function renderForecast(f: ServiceForecast, deadline: Deadline): string {
  const lines = [
    f.summary.replaceAll('*', ''),
    '',
    `  instance ${f.instance.key}, started ${clockTime(f.instance.start, deadline)}, deadline ${clockTime(f.instance.deadline, deadline)}; as of ${clockTime(f.at, deadline)}`,
    `  P(breach) ${Math.round(f.forecast.pBreach * 100)} %   ETA p50 ${clockTime(f.forecast.eta.p50, deadline)}   p90 ${clockTime(f.forecast.eta.p90, deadline)}   slack ${Math.round(f.forecast.slackMs / 60_000)} min`,
    '',
    renderFan(f, deadline),
    '',
    '  criticality:',
    ...f.forecast.criticality.slice(0, 6).map((c) => `    ${String(Math.round(c.share * 100)).padStart(3)} %  ${c.job}  (${f.jobs.find((j) => j.job === c.job)?.state ?? ''})`),
  ];
  if (f.impact.length) {
    lines.push('', '  downstream:');
    for (const d of f.impact) {
      const chance = d.pMiss === null ? (d.basis === 'own-clock' ? 'its deadline runs from its own start' : 'no history to forecast from') : `${Math.round(d.pMiss * 100)} % to miss ${d.deadline ? clockTime(d.deadline, deadline) : ''}`;
      lines.push(`    ${d.atRisk ? '!' : ' '} ${d.service.padEnd(24)} via ${d.via.padEnd(20)} ${chance}`);
    }
  }
  return lines.join('\n');
}

export function registerForecast(program: Command): void {
  program.command('forecast').argument('<service>', 'service name')
    .description('forecast a service instance: breach probability, ETA fan, critical path, time to act')
    .option('--at <time>', 'replay: forecast as of this past time (ISO 8601)')
    .option('--json', 'print JSON')
    .action(async (service: string, opts: { at?: string; json?: boolean }) => {
      const at = opts.at ? new Date(opts.at) : new Date();
      if (Number.isNaN(at.getTime())) throw new Error(`--at: "${opts.at}" is not a date-time`);
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const out = await forecastService(runtime.deps.pool, service, at);
        if (out.kind !== 'forecast') {
          process.exitCode = 1;
          console.error(out.kind === 'unknown-service' ? `service "${service}" does not exist` : out.reason);
          return;
        }
        const stored = await getService(runtime.deps.pool, service);
        console.log(opts.json ? JSON.stringify(out.value, null, 2) : renderForecast(out.value, stored?.definition.deadline ?? { kind: 'duration', minutes: 60 }));
      } finally {
        await runtime.close();
      }
    });
}
