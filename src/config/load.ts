import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { CONFIG_KEYS, configSchema, type Config, type ConfigKey } from './schema.js';

export type ConfigInput = Partial<Record<ConfigKey, unknown>>;

export interface ConfigSources {
  /** Path of a JSON config file (`--config`). */
  file?: string;
  /** Usually `process.env`; keys `TICKSTREAM_<KEY>` in upper snake case (`TICKSTREAM_GATEWAY_PORT`). */
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already mapped to config keys. */
  flags?: ConfigInput;
  /** Where each flag came from, for error messages (`gatewayPort` → `--port`). */
  flagNames?: Partial<Record<ConfigKey, string>>;
}

export function envVarName(key: ConfigKey): string {
  return `TICKSTREAM_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/**
 * Merge defaults < config file < environment < flags, then validate with one schema.
 * A bad value throws a ConfigError that names the key, where it came from and what is allowed.
 */
export async function loadConfig(sources: ConfigSources = {}): Promise<Config> {
  const merged: ConfigInput = {};
  const origin: Partial<Record<string, string>> = {};

  if (sources.file) {
    const fromFile = await readConfigFile(sources.file);
    for (const [key, value] of Object.entries(fromFile)) {
      merged[key as ConfigKey] = value;
      origin[key] = `${sources.file}: "${key}"`;
    }
  }
  for (const key of CONFIG_KEYS) {
    const name = envVarName(key);
    const value = sources.env?.[name];
    if (value !== undefined && value !== '') {
      merged[key] = value;
      origin[key] = `environment variable ${name}`;
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    merged[key as ConfigKey] = value;
    origin[key] = `flag ${sources.flagNames?.[key as ConfigKey] ?? `--${key}`}`;
  }

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, merged, origin));
  return parsed.data;
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

function describeIssues(
  error: z.ZodError,
  input: ConfigInput,
  origin: Partial<Record<string, string>>,
): string {
  const lines = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    if (issue.code === 'unrecognized_keys') {
      return `unknown setting(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; known settings: ${CONFIG_KEYS.join(', ')}`;
    }
    const from = origin[key] ? ` (from ${origin[key]})` : '';
    const got = key in input ? `; got ${JSON.stringify(input[key as ConfigKey])}` : '';
    return `"${key}"${from} ${issue.message}${got}`;
  });
  return `Invalid configuration:\n  - ${lines.join('\n  - ')}`;
}
