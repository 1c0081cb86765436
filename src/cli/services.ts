import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { openRuntime } from '../runtime.ts';
import { parseServiceFile } from '../sla/parse-file.ts';
import { applyService, listServices } from '../sla/sql.ts';
import { configOrExit, quiet } from './config.ts';
import { table } from './table.ts';

export function registerServices(program: Command): void {
  const services = program.command('services').description('business services (list; apply FILE)')
    .action(async () => {
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        const rows = await listServices(runtime.deps.pool);
        console.log(table(['service', 'rev', 'jobs', 'deadline', 'criticality', 'downstream'], rows.map((s) => {
          const d = s.definition.deadline;
          const t = s.definition.terminal;
          const jobs = t ? `${s.definition.jobs.length ? `${s.definition.jobs.length} + ` : ''}upstream of ${t.length}` : s.definition.jobs.length;
          return [s.name, s.revision, jobs, d.kind === 'time' ? `${d.at} ${d.timeZone}` : `${d.minutes} min after start`,
            s.definition.criticality, s.definition.downstream.join(', ')];
        })));
      } finally {
        await runtime.close();
      }
    });
  services.command('apply').argument('<file>', 'a YAML file with one or more service definitions')
    .description('validate and store service definitions')
    .action(async (file: string) => {
      const parsed = parseServiceFile(await readFile(file, 'utf8'));
      if (parsed.kind === 'invalid') {
        for (const i of parsed.issues) console.error(`${file}:${i.line}:${i.column}: ${i.path.join('.') || '(document)'}: ${i.message}`);
        process.exitCode = 1;
        return;
      }
      const runtime = await openRuntime(quiet(configOrExit()));
      try {
        for (const s of parsed.services) {
          const r = await applyService(runtime.deps.pool, s);
          console.log(`${s.name}: ${r.changed ? `applied, revision ${r.revision}` : `unchanged, revision ${r.revision}`}`);
        }
      } finally {
        await runtime.close();
      }
    });
}
