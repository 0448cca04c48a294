/**
 * Where Binance's kline intervals begin and end: fixed lengths from 1s to 3d aligned to the
 * Unix epoch, weeks from Monday 00:00, calendar months; the `@+08:00` streams shift every
 * boundary to UTC+8 (`t`/`T` stay Unix milliseconds). Times are ms.
 */
import { BINANCE_KLINE_INTERVALS, type BinanceKlineInterval } from './wire.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday: the first Monday 00:00 is 4 days later. */
const FIRST_MONDAY = 4 * DAY;

/** The `@+08:00` variant's offset. */
export const UTC8_OFFSET_MS = 8 * HOUR;

const FIXED: Readonly<Record<Exclude<BinanceKlineInterval, '1w' | '1M'>, number>> = {
  '1s': SECOND,
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '2h': 2 * HOUR,
  '4h': 4 * HOUR,
  '6h': 6 * HOUR,
  '8h': 8 * HOUR,
  '12h': 12 * HOUR,
  '1d': DAY,
  '3d': 3 * DAY,
};

/** One kline stream's clock: an interval and a timezone offset. */
export interface KlineSpec {
  readonly interval: BinanceKlineInterval;
  readonly offsetMs: number;
  /** `kline_1m` or `kline_1m@+08:00`: the stream name after `<symbol>@`. */
  readonly streamSuffix: string;
}

/** Every kline stream of a symbol: each interval in UTC, then the same in UTC+8. */
export const KLINE_SPECS: readonly KlineSpec[] = [
  ...BINANCE_KLINE_INTERVALS.map((interval) => ({
    interval,
    offsetMs: 0,
    streamSuffix: `kline_${interval}`,
  })),
  ...BINANCE_KLINE_INTERVALS.map((interval) => ({
    interval,
    offsetMs: UTC8_OFFSET_MS,
    streamSuffix: `kline_${interval}@+08:00`,
  })),
];

function floorTo(t: number, size: number, anchor: number): number {
  return Math.floor((t - anchor) / size) * size + anchor;
}

/** Start of the interval holding `t`. */
export function intervalStart(spec: KlineSpec, t: number): number {
  const off = spec.offsetMs;
  switch (spec.interval) {
    case '1w':
      return floorTo(t + off, WEEK, FIRST_MONDAY) - off;
    case '1M': {
      const local = new Date(t + off);
      return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1) - off;
    }
    default:
      return floorTo(t + off, FIXED[spec.interval], 0) - off;
  }
}

/** Start of the interval after the one that starts at `start`. */
export function intervalEnd(spec: KlineSpec, start: number): number {
  switch (spec.interval) {
    case '1w':
      return start + WEEK;
    case '1M': {
      const local = new Date(start + spec.offsetMs);
      return Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 1) - spec.offsetMs;
    }
    default:
      return start + FIXED[spec.interval];
  }
}
