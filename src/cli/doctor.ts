import type { Command } from 'commander';
import { pino } from 'pino';

const MARK = { ok: 'ok   ', warn: 'warn ', fault: 'FAULT' } as const;

/** `medic doctor`: what is wrong with this installation, and how to fix it. Exit 1 on a fault. */
export function registerDoctor(program: Command): void {
  program.command('doctor')
    .description('check the configuration, the store, the queue, Slack and the model endpoint, and say how to fix what is wrong')
    .option('--timeout <seconds>', 'how long each check may wait for an answer', '5')
    .option('--json', 'one JSON object a line, a finding each')
    .action(async (opts: { timeout: string; json?: boolean }) => {
      const [{ ConfigError, loadConfig }, { runChecks }, { MIGRATIONS_DIR }] = await Promise.all([import('../config.ts'), import('../doctor/checks.ts'), import('../runtime.ts')]);
      const print = (f: { check: string; status: 'ok' | 'warn' | 'fault'; detail: string; fix?: string }) => {
        if (opts.json) return console.log(JSON.stringify(f));
        console.log(`${MARK[f.status]}  ${f.check.padEnd(10)} ${f.detail}`);
        if (f.fix) console.log(`${' '.repeat(18)}fix: ${f.fix}`);
      };
      let config;
      try {
        config = loadConfig(process.env);
        print({ check: 'config', status: 'ok', detail: 'the environment parses' });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        print({ check: 'config', status: 'fault', detail: err.message.replace(/\n\s*/g, ' '), fix: 'correct the variables named (README, "Configuration")' });
        process.exitCode = 1;
        return;
      }
      const timeoutMs = Math.max(100, Number(opts.timeout) * 1000 || 5_000);
      const findings = await runChecks(config, { migrationsDir: MIGRATIONS_DIR, log: pino({ level: 'silent' }), timeoutMs });
      for (const f of findings) print(f);
      if (findings.some((f) => f.status === 'fault')) process.exitCode = 1;
    });
}
