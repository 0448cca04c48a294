/**
 * `--interval` for `tickstream record`: a comma list of `<key>=<duration>`, where the key is an
 * endpoint key of every chosen venue (`trades=2s`) or of one venue (`binance.depth=500ms`), and a
 * duration is a positive number with a unit `ms`, `s`, `m` or `h` (`1.5s`). A venue-qualified
 * key wins over a plain one, whatever their order.
 */
import { ConfigError } from '../core/errors.js';
import type { RecordPlan } from './plan.js';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Shorter polls are refused: they could only ever wait on the rate limit. */
export const MIN_INTERVAL_MS = 10;

/** `2s` → 2000. Throws a ConfigError naming `text` and the accepted forms. */
export function parseDuration(text: string, what = 'duration'): number {
  const m = DURATION.exec(text.trim());
  const ms = m === null ? NaN : Number(m[1]) * UNIT_MS[m[2]];
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
    throw new ConfigError(
      `${what} "${text}" is not a duration of at least ${MIN_INTERVAL_MS}ms; ` +
        'write a number with ms, s, m or h, e.g. 500ms, 2s, 1m',
    );
  }
  return Math.round(ms);
}

/** Interval overrides: per endpoint key, and per `venue.key`. */
export interface IntervalOverrides {
  readonly byKey: ReadonlyMap<string, number>;
  readonly byVenueKey: ReadonlyMap<string, number>;
}

/**
 * Parse an `--interval` value against the plans it applies to. An unknown key, a key given
 * twice or a bad duration is a ConfigError that names it and lists the keys there are.
 */
export function parseIntervals(spec: string | undefined, plans: readonly RecordPlan[]): IntervalOverrides {
  const byKey = new Map<string, number>();
  const byVenueKey = new Map<string, number>();
  if (spec === undefined || spec.trim() === '') return { byKey, byVenueKey };
  const keys = new Set(plans.flatMap((p) => p.endpoints.map((e) => e.key)));
  const venueKeys = new Set(plans.flatMap((p) => p.endpoints.map((e) => `${p.platform}.${e.key}`)));
  const known = (): string => [...keys].sort().join(', ');
  for (const part of spec.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new ConfigError(
        `--interval entry "${entry}" is not <key>=<duration>; e.g. --interval trades=2s,depth=5s (keys: ${known()})`,
      );
    }
    const key = entry.slice(0, eq).trim();
    const ms = parseDuration(entry.slice(eq + 1), `--interval ${key}`);
    const target = key.includes('.') ? byVenueKey : byKey;
    if (!(key.includes('.') ? venueKeys : keys).has(key)) {
      throw new ConfigError(
        `--interval names an unknown endpoint key "${key}"; keys of the chosen exchanges: ${known()} ` +
          '(or <exchange>.<key>, e.g. binance.depth)',
      );
    }
    if (target.has(key)) throw new ConfigError(`--interval sets "${key}" twice; give each key once`);
    target.set(key, ms);
  }
  return { byKey, byVenueKey };
}

/** The poll interval of `plan`'s endpoint `key`: the venue-qualified override, the plain one, or the plan's. */
export function intervalFor(
  overrides: IntervalOverrides,
  platform: string,
  key: string,
  planned: number,
): number {
  return overrides.byVenueKey.get(`${platform}.${key}`) ?? overrides.byKey.get(key) ?? planned;
}
