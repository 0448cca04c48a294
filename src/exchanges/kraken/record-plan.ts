/**
 * What `tickstream record` polls on Kraken spot, per pair (stored under the v2 symbol, asked for
 * by its REST name): `/0/public/Depth` (100 levels), `/0/public/Trades` with `since` one second
 * before the last recorded trade (so consecutive pages overlap; a full page of 1000 is followed
 * at once) and `/0/public/AssetPairs` once an hour. Kraken allows public calls about once a
 * second per IP [doc: "Spot REST API rate limits"]; errors come with HTTP 200 in `error`.
 */
import { DecodeError } from '../../core/errors.js';
import type {
  PageSummary,
  RequestParams,
  RecordEndpoint,
  RecordPlan,
  RecordSeries,
} from '../../record/plan.js';
import { endpointName } from '../../storage/layout.js';
import {
  KRAKEN_ASSET_PAIRS_PATH,
  KRAKEN_DEPTH_COUNT,
  KRAKEN_DEPTH_PATH,
  KRAKEN_TRADES_MAX_COUNT,
  KRAKEN_TRADES_PATH,
} from './generate-format.js';
import { KRAKEN_DEPTH_ENDPOINT, KRAKEN_PLATFORM, KRAKEN_TRADES_ENDPOINT } from './replay-source.js';
import { KRAKEN_PAIRS } from './symbols.js';
import type { KrakenRestTradeRow } from './wire.js';

/** How far before the last recorded trade each Trades poll reaches back. */
const OVERLAP_MS = 1000;

function isRow(value: unknown): value is KrakenRestTradeRow {
  return Array.isArray(value) && typeof value[2] === 'number' && Number.isInteger(value[6]);
}

/** Kraken's error strings of a body, or undefined when `error` is empty. */
export function krakenErrorOf(body: unknown): string | undefined {
  const errors = (body as { error?: unknown } | null)?.error;
  if (!Array.isArray(errors)) return 'the body has no "error" list';
  return errors.length > 0 ? errors.join('; ') : undefined;
}

/** A Trades page: rows oldest first under the pair's result key, beside `last`. */
export function readKrakenTrades(body: unknown, count: number): PageSummary {
  const result = (body as { result?: Record<string, unknown> } | null)?.result;
  const rows = result && Object.entries(result).find(([key]) => key !== 'last')?.[1];
  if (!Array.isArray(rows) || !rows.every(isRow)) {
    throw new DecodeError('kraken: Trades body has no rows under its pair');
  }
  const mark = (row: KrakenRestTradeRow) => ({ id: row[6], timeMs: Math.floor(row[2] * 1000) });
  return {
    items: rows.length,
    oldest: rows.length > 0 ? mark(rows[0]) : undefined,
    newest: rows.length > 0 ? mark(rows[rows.length - 1]) : undefined,
    full: rows.length >= count,
  };
}

function tradesSeries(symbol: string, pair: string): RecordSeries {
  return {
    symbol,
    request: (after) => {
      // Parameter order as Kraken's own examples and the generator write it: pair, since, count.
      const params: RequestParams = { pair };
      if (after !== undefined) params.since = (BigInt(after.timeMs - OVERLAP_MS) * 1_000_000n).toString();
      params.count = KRAKEN_TRADES_MAX_COUNT;
      return { path: KRAKEN_TRADES_PATH, params };
    },
    read: (body, request) => readKrakenTrades(body, Number(request.params.count)),
  };
}

/** `symbols`: v2 symbols (`BTC/USD`). */
export function krakenRecordPlan(symbols: readonly string[]): RecordPlan {
  const pairs = symbols.map((s) => KRAKEN_PAIRS.get(s));
  const fixed = (path: string, params: (altname: string) => Record<string, string | number>) =>
    pairs.map((p): RecordSeries => ({
      symbol: p.symbol,
      request: () => ({ path, params: params(p.altname) }),
    }));
  const endpoints: RecordEndpoint[] = [
    {
      key: 'depth',
      endpoint: KRAKEN_DEPTH_ENDPOINT,
      weight: 1,
      intervalMs: 5000,
      series: fixed(KRAKEN_DEPTH_PATH, (pair) => ({ pair, count: KRAKEN_DEPTH_COUNT })),
    },
    {
      key: 'trades',
      endpoint: KRAKEN_TRADES_ENDPOINT,
      weight: 1,
      intervalMs: 5000,
      continuity: 'consecutive-ids',
      series: pairs.map((p) => tradesSeries(p.symbol, p.altname)),
    },
    {
      key: 'info',
      endpoint: endpointName(KRAKEN_ASSET_PAIRS_PATH),
      weight: 1,
      intervalMs: 3_600_000,
      series: fixed(KRAKEN_ASSET_PAIRS_PATH, (pair) => ({ pair })),
    },
  ];
  return {
    platform: KRAKEN_PLATFORM,
    liveBaseUrl: 'https://api.kraken.com',
    rateLimits: [{ name: 'public calls', limit: 1, windowMs: 1000, scope: 'venue' }],
    endpoints,
    errorOf: krakenErrorOf,
  };
}
