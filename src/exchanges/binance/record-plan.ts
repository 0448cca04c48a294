/**
 * What `tickstream record` polls on Binance spot, per symbol: `/api/v3/depth` (100 levels),
 * `/api/v3/historicalTrades` continued by `fromId` from the last recorded trade (so consecutive
 * pages share that trade, and a full page is followed at once) and `/api/v3/exchangeInfo` once
 * an hour; within REQUEST_WEIGHT 6000 per minute, depth weighing by its limit [doc: Binance spot
 * REST "Order book" / "Old trade lookup" / "Exchange information" weights].
 */
import { DecodeError } from '../../core/errors.js';
import { endpointName } from '../../storage/layout.js';
import type {
  PageSummary,
  RequestParams,
  RecordEndpoint,
  RecordPlan,
  RecordSeries,
} from '../../record/plan.js';
import { DEPTH_LIMIT, DEPTH_PATH, EXCHANGE_INFO_PATH, PLATFORM, TRADES_PATH } from './generate.js';
import { BINANCE_DEPTH_ENDPOINT, BINANCE_TRADES_ENDPOINT } from './replay-source.js';
import type { BinanceRestTrade } from './wire.js';

/** historicalTrades' largest `limit`: the weight is the same for any limit. */
export const RECORD_TRADES_LIMIT = 1000;
const TRADES_WEIGHT = 25;
const EXCHANGE_INFO_WEIGHT = 20;

/** `/api/v3/depth` weight by `limit` [doc]: 1–100 → 5, 101–500 → 25, 501–1000 → 50, 1001–5000 → 250. */
export function binanceDepthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

function isTrade(value: unknown): value is BinanceRestTrade {
  const t = value as BinanceRestTrade | null;
  return typeof t === 'object' && t !== null && Number.isInteger(t.id) && typeof t.time === 'number';
}

/** A historicalTrades page: trades oldest first. */
export function readBinanceTrades(body: unknown): PageSummary {
  if (!Array.isArray(body) || !body.every(isTrade)) {
    throw new DecodeError('binance: historicalTrades body is not an array of trades');
  }
  const first = body[0];
  const last = body[body.length - 1];
  return {
    items: body.length,
    oldest: first && { id: first.id, timeMs: first.time },
    newest: last && { id: last.id, timeMs: last.time },
    full: body.length >= RECORD_TRADES_LIMIT,
  };
}

function tradesSeries(symbol: string): RecordSeries {
  return {
    symbol,
    // fromId = the last recorded id: the page starts with that trade, the overlap that proves continuity.
    request: (after) => {
      const params: RequestParams = { symbol, limit: RECORD_TRADES_LIMIT };
      if (after?.id !== undefined) params.fromId = after.id;
      return { path: TRADES_PATH, params };
    },
    read: readBinanceTrades,
  };
}

const fixed = (symbol: string, path: string, params: Record<string, string | number>): RecordSeries => ({
  symbol,
  request: () => ({ path, params }),
});

export function binanceRecordPlan(symbols: readonly string[]): RecordPlan {
  const endpoints: RecordEndpoint[] = [
    {
      key: 'depth',
      endpoint: BINANCE_DEPTH_ENDPOINT,
      weight: binanceDepthWeight(DEPTH_LIMIT),
      intervalMs: 1000,
      series: symbols.map((s) => fixed(s, DEPTH_PATH, { symbol: s, limit: DEPTH_LIMIT })),
    },
    {
      key: 'trades',
      endpoint: BINANCE_TRADES_ENDPOINT,
      weight: TRADES_WEIGHT,
      intervalMs: 5000,
      continuity: 'consecutive-ids',
      series: symbols.map(tradesSeries),
    },
    {
      key: 'info',
      endpoint: endpointName(EXCHANGE_INFO_PATH),
      weight: EXCHANGE_INFO_WEIGHT,
      intervalMs: 3_600_000,
      series: symbols.map((s) => fixed(s, EXCHANGE_INFO_PATH, { symbol: s })),
    },
  ];
  return {
    platform: PLATFORM,
    liveBaseUrl: 'https://api.binance.com',
    rateLimits: [{ name: 'REQUEST_WEIGHT', limit: 6000, windowMs: 60_000, scope: 'venue' }],
    endpoints,
  };
}
