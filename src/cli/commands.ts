import { resolve } from 'node:path';
import { SAMPLE_SEED } from '../app/sample-data.js';
import { loadConfig, type ConfigInput, type PortKey } from '../config/load.js';
import type { Config } from '../config/schema.js';
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
  paused?: boolean;
  startFrom?: string;
  reset?: boolean;
  overflow?: string;
  rateLimit?: string;
  checkpointEvery?: string;
  checkpointMs?: string;
  fault?: string[];
  bus?: string;
  upstream?: string;
  logLevel?: string;
  logFormat?: string;
  seed?: string;
  minutes?: string;
  symbols?: string;
  interval?: string;
  tlsCert?: string;
  tlsKey?: string;
  writeDelayMs?: string;
  /** `bench --only`: the parts to run. */
  only?: string;
}

export type ConfiguredCommand = 'start' | 'replay' | 'gateway' | 'generate' | 'record' | 'bench';

interface CommandSettings {
  /** The key `--port` sets. */
  readonly portKey?: PortKey;
  /** Ports the command listens on at once; they must differ. */
  readonly listens: readonly PortKey[];
  /** The command's own defaults; the file, the environment and flags all outrank them. */
  readonly defaults: ConfigInput;
}

export const COMMAND_SETTINGS: Readonly<Record<ConfiguredCommand, CommandSettings>> = {
  start: { portKey: 'gatewayPort', listens: ['gatewayPort', 'hubPort'], defaults: { loop: true } },
  replay: { portKey: 'hubPort', listens: ['hubPort'], defaults: {} },
  gateway: { portKey: 'gatewayPort', listens: ['gatewayPort'], defaults: {} },
  generate: { listens: [], defaults: { seed: SAMPLE_SEED } },
  record: { listens: [], defaults: {} },
  bench: { listens: [], defaults: { logLevel: 'warn' } },
};

/** Resolve `command`'s config from its defaults, the file, the environment and flags. */
export async function resolveConfig(
  flags: CommonFlags,
  command: ConfiguredCommand,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Config> {
  const { portKey, listens, defaults } = COMMAND_SETTINGS[command];
  const mapped: ConfigInput = {
    data: flags.data,
    state: flags.state,
    host: flags.host,
    exchanges: flags.exchanges,
    speed: flags.speed,
    loop: flags.loop,
    paused: flags.paused,
    startFrom: flags.startFrom,
    reset: flags.reset,
    overflowPolicy: flags.overflow,
    rateLimit: flags.rateLimit,
    checkpointEvery: flags.checkpointEvery,
    checkpointMs: flags.checkpointMs,
    faults: flags.fault,
    bus: flags.bus,
    upstream: flags.upstream,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    seed: flags.seed,
    minutes: flags.minutes,
    symbols: flags.symbols,
    interval: flags.interval,
    tlsCert: flags.tlsCert,
    tlsKey: flags.tlsKey,
    writeDelayMs: flags.writeDelayMs,
    hubPort: flags.hubPort,
    ...(portKey && { [portKey]: flags.port }),
  };
  const config = await loadConfig({
    defaults,
    file: flags.config,
    env,
    flags: mapped,
    flagNames: portKey && { [portKey]: '--port' },
    distinctPorts: listens,
    warn: (message) => process.stderr.write(`tickstream: warning: ${message}\n`),
  });
  return config.data ? { ...config, data: resolve(config.data) } : config;
}

export function loggerFor(config: Config): Logger {
  return createLogger(config.logLevel, config.logFormat);
}
