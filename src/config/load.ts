import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { nearest } from '../core/nearest.js';
import {
  CONFIG_KEYS,
  configSchema,
  ENV_ALIASES,
  SECRET_KEYS,
  type Config,
  type ConfigKey,
} from './schema.js';

export type ConfigInput = Partial<Record<ConfigKey, unknown>>;
export type PortKey = Extract<ConfigKey, 'gatewayPort' | 'hubPort'>;

export interface ConfigSources {
  /** The command's own defaults (`start` loops): they rank below the file, the environment and flags. */
  defaults?: ConfigInput;
  /** Path of a JSON config file (`--config`). */
  file?: string;
  /** Usually `process.env`; keys `TICKSTREAM_<KEY>` in upper snake case (`TICKSTREAM_GATEWAY_PORT`). */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already mapped to config keys. */
  flags?: ConfigInput;
  /** Flags not spelled `--<kebab-key>`, for error messages (`gatewayPort` → `--port`). */
  flagNames?: Partial<Record<ConfigKey, string>>;
  /** Ports the command listens on side by side: they must differ, except 0 (any free port). */
  distinctPorts?: readonly PortKey[];
  /** Receives one line per input that is ignored: a `TICKSTREAM_*` variable that names no setting. */
  warn?: (message: string) => void;
}

const ENV_PREFIX = 'TICKSTREAM_';

export function envVarName(key: ConfigKey): string {
  return `${ENV_PREFIX}${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** The flag that sets `key` unless `flagNames` says otherwise: `logLevel` → `--log-level`. */
export function flagName(key: ConfigKey): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const ENV_VAR_NAMES = CONFIG_KEYS.map(envVarName);

type Origins = Partial<Record<string, string>>;

/**
 * Merge command defaults < config file < environment < flags, then validate with one schema
 * (whose own defaults fill what is still unset). A bad value throws a ConfigError of one line
 * per problem that names the key, where it came from and what is allowed.
 */
export async function loadConfig(sources: ConfigSources = {}): Promise<Config> {
  if (sources.env && sources.warn) warnUnknownEnvVars(sources.env, sources.warn);
  const { merged, origin } = await mergeSources(sources);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, merged, origin));
  checkDistinctPorts(parsed.data, sources.distinctPorts ?? [], origin);
  return parsed.data;
}

async function mergeSources(sources: ConfigSources): Promise<{ merged: ConfigInput; origin: Origins }> {
  const merged: ConfigInput = { ...sources.defaults };
  const origin: Origins = {};

  if (sources.file) {
    const fromFile = await readConfigFile(sources.file);
    for (const [key, value] of Object.entries(fromFile)) {
      merged[key as ConfigKey] = value;
      origin[key] = `config file ${sources.file}`;
    }
  }
  for (const key of CONFIG_KEYS) {
    // `TICKSTREAM_<KEY>` first, then a standard name for the same value (`APCA_API_KEY_ID`).
    for (const name of [envVarName(key), ENV_ALIASES[key]]) {
      const value = name === undefined ? undefined : sources.env?.[name];
      if (value !== undefined && value !== '') {
        merged[key] = value;
        origin[key] = `environment variable ${name}`;
        break;
      }
    }
  }
  if (origin.bus === undefined) {
    const redis = redisUrlFromHostPort(sources.env);
    if (redis !== undefined) {
      merged.bus = redis;
      origin.bus = 'environment variables REDIS_HOST/REDIS_PORT';
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key as ConfigKey] = value;
    origin[key] = `flag ${sources.flagNames?.[key as ConfigKey] ?? flagName(key as ConfigKey)}`;
  }
  return { merged, origin };
}

function warnUnknownEnvVars(env: NodeJS.ProcessEnv, warn: (message: string) => void): void {
  for (const name of Object.keys(env)) {
    if (!name.toUpperCase().startsWith(ENV_PREFIX) || ENV_VAR_NAMES.includes(name)) continue;
    warn(
      `environment variable ${name} names no setting and is ignored; did you mean ${nearest(name, ENV_VAR_NAMES)}?`,
    );
  }
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `Cannot read config file ${path}: ${(cause as Error).message}. Check the --config path.`,
      {
        cause,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object of settings, e.g. {"speed": 10}`);
  }
  return value as Record<string, unknown>;
}

function fromWhere(key: string, origin: Origins): string {
  return origin[key] ? ` (from ${origin[key]})` : ' (default)';
}

function invalid(lines: readonly string[]): string {
  return lines.length === 1
    ? `Invalid configuration: ${lines[0]}`
    : `Invalid configuration:\n  - ${lines.join('\n  - ')}`;
}

function describeIssues(error: z.ZodError, input: ConfigInput, origin: Origins): string {
  return invalid(
    error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      if (issue.code === 'unrecognized_keys') {
        return `unknown setting(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; known settings: ${CONFIG_KEYS.join(', ')}`;
      }
      const shown = SECRET_KEYS.has(key as ConfigKey)
        ? '(value not shown)'
        : JSON.stringify(input[key as ConfigKey]);
      const got = key in input ? `; got ${shown}` : '';
      return `"${key}"${fromWhere(key, origin)} ${issue.message}${got}`;
    }),
  );
}

/** Two listeners on one port would fail at listen time with a misleading "port in use": say it first. */
function checkDistinctPorts(config: Config, keys: readonly PortKey[], origin: Origins): void {
  keys.forEach((a, i) => {
    for (const b of keys.slice(i + 1)) {
      const port = config[a];
      if (port === 0 || port !== config[b]) continue;
      throw new ConfigError(
        invalid([
          `"${a}"${fromWhere(a, origin)} and "${b}"${fromWhere(b, origin)} are both port ${port}; ` +
            'each needs its own port: pick two different ones (0 = any free port)',
        ]),
      );
    }
  });
}

/** `REDIS_HOST` (and `REDIS_PORT`, default 6379), as deployments set them → `redis://host:port`. */
function redisUrlFromHostPort(env: NodeJS.ProcessEnv | undefined): string | undefined {
  const host = env?.REDIS_HOST;
  if (host === undefined || host === '') return undefined;
  const port = env?.REDIS_PORT;
  return `redis://${host}:${port === undefined || port === '' ? '6379' : port}`;
}
