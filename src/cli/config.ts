import { ConfigError, loadConfig, type Config } from '../config.ts';

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
