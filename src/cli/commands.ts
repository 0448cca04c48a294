import { resolve } from 'node:path';
import { envVarName, loadConfig, type ConfigInput } from '../config/load.js';
import type { Config, ConfigKey } from '../config/schema.js';
import { createLogger, type Logger } from '../core/logger.js';

/** Raw commander options shared by the commands. */
export interface CommonFlags {
  config?: string;
  data?: string;
  state?: string;
  port?: string;
  hubPort?: string;
  host?: string;
  exchanges?: string;
  speed?: string;
  loop?: boolean;
  bus?: string;
  upstream?: string;
  logLevel?: string;
  seed?: string;
  minutes?: string;
  symbols?: string;
}

/**
 * Resolve config from file, environment and flags. `--port` means the command's main port.
 * `defaults` are command-specific defaults that apply when neither a flag nor the environment sets the key.
 */
export async function resolveConfig(
  flags: CommonFlags,
  portKey: 'gatewayPort' | 'hubPort',
  defaults: ConfigInput = {},
): Promise<Config> {
  const mapped: ConfigInput = {
    data: flags.data,
    state: flags.state,
    host: flags.host,
    exchanges: flags.exchanges,
    speed: flags.speed,
    loop: flags.loop,
    bus: flags.bus,
    upstream: flags.upstream,
    logLevel: flags.logLevel,
    seed: flags.seed,
    minutes: flags.minutes,
    symbols: flags.symbols,
    hubPort: flags.hubPort,
    [portKey]: flags.port,
  };
  const flagNames: Partial<Record<ConfigKey, string>> = { [portKey]: '--port', hubPort: '--hub-port' };
  for (const [key, value] of Object.entries(defaults)) {
    const k = key as ConfigKey;
    if (mapped[k] === undefined && process.env[envVarName(k)] === undefined) mapped[k] = value;
  }
  const config = await loadConfig({ file: flags.config, env: process.env, flags: mapped, flagNames });
  return config.data ? { ...config, data: resolve(config.data) } : config;
}

export function loggerFor(config: Config): Logger {
  return createLogger(config.logLevel);
}
