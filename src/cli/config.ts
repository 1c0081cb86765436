import { ConfigError, loadConfig, type Config } from '../config.ts';
import type { Deps } from '../deps.ts';

/** Reads the environment once for a command; a bad variable ends the command with its name. */
export function configOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Commands that print results keep the log to warnings. */
export function quiet(config: Config): Config {
  return config.logLevel === 'info' ? { ...config, logLevel: 'warn' } : config;
}

/** Runs a command over Medic's dependencies, opened from the environment and closed after, however it ends. */
export async function withDeps(fn: (deps: Deps) => Promise<void>): Promise<void> {
  const { openRuntime } = await import('../runtime.ts');
  const runtime = await openRuntime(quiet(configOrExit()));
  try {
    await fn(runtime.deps);
  } finally {
    await runtime.close();
  }
}
