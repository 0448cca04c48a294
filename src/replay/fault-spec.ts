/**
 * What a fault request says, checked for shape: the body of `POST /control/faults` and the
 * `--fault exchange:symbol:fault:key=value,…` flag both become one {@link FaultSpec}. Which
 * exchanges and symbols exist is the fault store's business (it knows the mounted venues);
 * here every field is checked for type and range, and a bad one is named with what is accepted.
 */
import { FAULT_KINDS, type FaultKind } from './hub-observer.js';

/** A fault to inject, as asked (the symbol in whatever spelling the caller used). */
export interface FaultSpec {
  readonly exchange: string;
  readonly symbol: string;
  readonly fault: FaultKind;
  /** Inject this many times, then expire. Exactly one of `count` and `ratePerMin` is set. */
  readonly count?: number;
  /** Keep injecting at this many per minute until cleared. */
  readonly ratePerMin?: number;
  /** `stall`: how long the connection stays silent; `latency`: the delay added to a frame. */
  readonly ms?: number;
  /** `rest429`: the Retry-After the 429 carries, seconds. */
  readonly retryAfter?: number;
}

export type SpecResult = { ok: true; spec: FaultSpec } | { ok: false; error: string };

/** Defaults for the optional parameters. */
export const FAULT_DEFAULTS = Object.freeze({ stallMs: 10_000, latencyMs: 500, retryAfterS: 1 });

const MAX_COUNT = 1_000_000;
const MAX_RATE_PER_MIN = 60_000;
const MAX_MS = 600_000;
const MAX_RETRY_AFTER_S = 3600;

/** Which optional parameter each fault takes. */
const PARAMS_OF: Readonly<Record<FaultKind, readonly ('ms' | 'retryAfter')[]>> = {
  disconnect: [],
  close1008: [],
  stall: ['ms'],
  latency: ['ms'],
  gap: [],
  checksum: [],
  malformed: [],
  rest429: ['retryAfter'],
};

const BODY_KEYS = ['exchange', 'symbol', 'fault', 'count', 'ratePerMin', 'ms', 'retryAfter'] as const;

export const FAULT_BODY_USAGE =
  'send {"exchange":"binance","symbol":"BTC/USDT","fault":"gap","count":1} ' +
  '(or "ratePerMin":N instead of "count"; "ms" for stall and latency, "retryAfter" seconds for rest429)';

export const FAULT_FLAG_USAGE =
  'use exchange:symbol:fault:count=N or exchange:symbol:fault:ratePerMin=N, with ms=M for stall and ' +
  'latency or retryAfter=S for rest429, e.g. binance:BTC/USDT:gap:count=1 or okx:BTC-USDT:latency:ratePerMin=6,ms=200';

function fail(error: string): SpecResult {
  return { ok: false, error };
}

/** A finite number in (0, max] (whole when `whole`), or the reason it is not. */
function checkNumber(name: string, v: unknown, max: number, whole: boolean): number | string {
  const kind = whole ? 'a whole number' : 'a number';
  if (typeof v !== 'number' || !Number.isFinite(v))
    return `${name} must be ${kind} from 1 to ${max}, got ${JSON.stringify(v)}`;
  if (whole && !Number.isInteger(v)) return `${name} must be ${kind}, got ${v}`;
  if (v <= 0 || v > max) return `${name} must be ${kind} from 1 to ${max}, got ${v}`;
  return v;
}

function isFault(v: unknown): v is FaultKind {
  return typeof v === 'string' && (FAULT_KINDS as readonly string[]).includes(v);
}

/** Check an already-parsed request body (any JSON value). */
export function specFromBody(body: unknown): SpecResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail(`body must be a JSON object; ${FAULT_BODY_USAGE}`);
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).filter((k) => !(BODY_KEYS as readonly string[]).includes(k));
  if (extra.length > 0)
    return fail(`unknown field ${JSON.stringify(extra[0])}; fields are ${BODY_KEYS.join(', ')}`);
  for (const key of ['exchange', 'symbol'] as const) {
    if (typeof b[key] !== 'string' || b[key] === '')
      return fail(`${key} must be a non-empty string; ${FAULT_BODY_USAGE}`);
  }
  if (!isFault(b.fault))
    return fail(`fault must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(b.fault ?? null)}`);
  return checkSpec({
    exchange: b.exchange as string,
    symbol: b.symbol as string,
    fault: b.fault,
    count: b.count,
    ratePerMin: b.ratePerMin,
    ms: b.ms,
    retryAfter: b.retryAfter,
  });
}

interface LooseSpec {
  exchange: string;
  symbol: string;
  fault: FaultKind;
  count: unknown;
  ratePerMin: unknown;
  ms: unknown;
  retryAfter: unknown;
}

function checkSpec(s: LooseSpec): SpecResult {
  const hasCount = s.count !== undefined;
  const hasRate = s.ratePerMin !== undefined;
  if (hasCount === hasRate)
    return fail(
      `give exactly one of count (inject N times) and ratePerMin (keep injecting), ${hasCount ? 'not both' : 'got neither'}`,
    );
  const count = hasCount ? checkNumber('count', s.count, MAX_COUNT, true) : undefined;
  if (typeof count === 'string') return fail(count);
  const rate = hasRate ? checkNumber('ratePerMin', s.ratePerMin, MAX_RATE_PER_MIN, false) : undefined;
  if (typeof rate === 'string') return fail(rate);
  const allowed = PARAMS_OF[s.fault];
  for (const key of ['ms', 'retryAfter'] as const) {
    if (s[key] !== undefined && !allowed.includes(key)) {
      const takes = allowed.length === 0 ? 'takes no parameter' : `takes only ${allowed.join(', ')}`;
      return fail(`${key} does not apply to ${s.fault} (${s.fault} ${takes})`);
    }
  }
  const ms = s.ms === undefined ? undefined : checkNumber('ms', s.ms, MAX_MS, true);
  if (typeof ms === 'string') return fail(ms);
  const retryAfter =
    s.retryAfter === undefined ? undefined : checkNumber('retryAfter', s.retryAfter, MAX_RETRY_AFTER_S, true);
  if (typeof retryAfter === 'string') return fail(retryAfter);
  const spec: FaultSpec = {
    exchange: s.exchange,
    symbol: s.symbol,
    fault: s.fault,
    ...(count !== undefined && { count }),
    ...(rate !== undefined && { ratePerMin: rate }),
    ...(ms !== undefined && { ms }),
    ...(retryAfter !== undefined && { retryAfter }),
  };
  return { ok: true, spec };
}

const FLAG_PARAMS = ['count', 'ratePerMin', 'ms', 'retryAfter'] as const;

/** Parse one `--fault` value: `exchange:symbol:fault:key=value[,key=value…]`. */
export function specFromFlag(text: string): SpecResult {
  const parts = text.trim().split(':');
  if (parts.length !== 4 || parts.some((p) => p === ''))
    return fail(`--fault ${JSON.stringify(text)} is not exchange:symbol:fault:params; ${FAULT_FLAG_USAGE}`);
  const [exchange, symbol, fault, params] = parts;
  if (!isFault(fault))
    return fail(
      `--fault ${JSON.stringify(text)}: fault must be one of ${FAULT_KINDS.join(', ')}, got ${fault}`,
    );
  const values: Partial<Record<(typeof FLAG_PARAMS)[number], unknown>> = {};
  for (const pair of params.split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (eq < 1 || !(FLAG_PARAMS as readonly string[]).includes(key))
      return fail(
        `--fault ${JSON.stringify(text)}: ${JSON.stringify(pair)} is not one of ${FLAG_PARAMS.map((k) => `${k}=N`).join(', ')}`,
      );
    const value = /^\s*[-+]?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : raw;
    values[key as (typeof FLAG_PARAMS)[number]] = value;
  }
  const checked = checkSpec({
    exchange: exchange.toLowerCase(),
    symbol,
    fault,
    count: values.count,
    ratePerMin: values.ratePerMin,
    ms: values.ms,
    retryAfter: values.retryAfter,
  });
  return checked.ok ? checked : fail(`--fault ${JSON.stringify(text)}: ${checked.error}`);
}
