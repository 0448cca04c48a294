/**
 * What `tickstream record` polls on OKX v5 spot, per instrument: `/api/v5/market/books` (400
 * levels), `/api/v5/market/trades` (the latest 500, newest first; a page must reach back to the
 * last recorded trade, or more printed between polls than a page holds) and
 * `/api/v5/public/instruments` once an hour. OKX limits each public endpoint to 20 requests per
 * 2 s per IP [doc]; errors come with HTTP 200 and a non-zero `code`.
 */
import { DecodeError } from '../../core/errors.js';
import type { PageSummary, RecordEndpoint, RecordPlan, RecordSeries } from '../../record/plan.js';
import { endpointName } from '../../storage/layout.js';
import {
  OKX_BOOKS_DEPTH,
  OKX_BOOKS_PATH,
  OKX_INSTRUMENTS_PATH,
  OKX_TRADES_MAX_LIMIT,
  OKX_TRADES_PATH,
} from './generate-format.js';
import { OKX_BOOKS_ENDPOINT, OKX_PLATFORM, OKX_TRADES_ENDPOINT } from './replay-source.js';
import type { OkxRestTrade } from './wire.js';

export function okxErrorOf(body: unknown): string | undefined {
  const b = body as { code?: unknown; msg?: unknown } | null;
  if (typeof b !== 'object' || b === null || typeof b.code !== 'string') return 'the body has no "code"';
  return b.code === '0' ? undefined : `code ${b.code}: ${String(b.msg)}`;
}

function isTrade(value: unknown): value is OkxRestTrade {
  const t = value as OkxRestTrade | null;
  return typeof t === 'object' && t !== null && /^\d+$/.test(t.tradeId) && /^\d+$/.test(t.ts);
}

/** A trades page, newest first. */
export function readOkxTrades(body: unknown): PageSummary {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || !data.every(isTrade)) {
    throw new DecodeError('okx: market/trades body has no data list of trades');
  }
  const mark = (t: OkxRestTrade) => ({ id: Number(t.tradeId), timeMs: Number(t.ts) });
  return {
    items: data.length,
    newest: data.length > 0 ? mark(data[0]) : undefined,
    oldest: data.length > 0 ? mark(data[data.length - 1]) : undefined,
    // The latest-N endpoint cannot continue from a cursor: a full page says nothing more.
    full: false,
  };
}

/** `symbols`: instIds (`BTC-USDT`). */
export function okxRecordPlan(symbols: readonly string[]): RecordPlan {
  const fixed = (path: string, params: (instId: string) => Record<string, string | number>) =>
    symbols.map((s): RecordSeries => ({ symbol: s, request: () => ({ path, params: params(s) }) }));
  const endpoints: RecordEndpoint[] = [
    {
      key: 'depth',
      endpoint: OKX_BOOKS_ENDPOINT,
      weight: 1,
      intervalMs: 1000,
      series: fixed(OKX_BOOKS_PATH, (instId) => ({ instId, sz: OKX_BOOKS_DEPTH })),
    },
    {
      key: 'trades',
      endpoint: OKX_TRADES_ENDPOINT,
      weight: 1,
      intervalMs: 2000,
      continuity: 'overlap',
      series: symbols.map((instId) => ({
        symbol: instId,
        request: () => ({ path: OKX_TRADES_PATH, params: { instId, limit: OKX_TRADES_MAX_LIMIT } }),
        read: readOkxTrades,
      })),
    },
    {
      key: 'info',
      endpoint: endpointName(OKX_INSTRUMENTS_PATH),
      weight: 1,
      intervalMs: 3_600_000,
      series: fixed(OKX_INSTRUMENTS_PATH, (instId) => ({ instType: 'SPOT', instId })),
    },
  ];
  return {
    platform: OKX_PLATFORM,
    liveBaseUrl: 'https://www.okx.com',
    rateLimits: [{ name: 'requests per endpoint', limit: 20, windowMs: 2000, scope: 'endpoint' }],
    endpoints,
    errorOf: okxErrorOf,
  };
}
