/**
 * What `tickstream record` polls on Alpaca's historical stock API, per symbol:
 * `/v2/stocks/{symbol}/trades` and `/quotes`, each poll the window from the newest item recorded
 * (inclusive, so windows share that item) to the last whole second, page by page through
 * `next_page_token`; `/bars?timeframe=1Min` over the minutes completed since the last bar. Every
 * request carries the APCA key headers; 200 requests per minute per key [doc: Alpaca market
 * data "rate limit", Basic plan].
 */
import type { Config } from '../../config/schema.js';
import { DecodeError } from '../../core/errors.js';
import { endpointOf } from '../../generate/dataset.js';
import type {
  ItemMark,
  PageSummary,
  RecordEndpoint,
  RecordPlan,
  RecordRequest,
  RecordSeries,
} from '../../record/plan.js';
import {
  ALPACA_BAR_TIMEFRAME,
  ALPACA_BARS_PATH,
  ALPACA_MAX_LIMIT,
  ALPACA_QUOTES_PATH,
  ALPACA_TRADES_PATH,
  MINUTE_MS,
  pathFor,
} from './generate-format.js';
import { formatAlpacaTime, parseAlpacaTime } from './recording-time.js';
import { ALPACA_PLATFORM } from './replay-source.js';

type Series = 'trades' | 'quotes' | 'bars';

/** How far back the very first poll of a series reaches. */
const FIRST_LOOKBACK_MS = 60_000;

/** The historical API's `feed` for the stream feed configured: `iex`, or else the consolidated `sip`. */
export function historicalFeed(streamFeed: string): string {
  return streamFeed === 'iex' ? 'iex' : 'sip';
}

/** A page of `series`: items oldest first, `next_page_token` while more of the window remain. */
export function readAlpacaPage(series: Series, body: unknown, request: RecordRequest): PageSummary {
  const page = body as Record<string, unknown> | null;
  const items = page?.[series];
  const token = page?.next_page_token;
  if (
    typeof page !== 'object' ||
    page === null ||
    !(items === null || Array.isArray(items)) ||
    !(token === null || typeof token === 'string')
  ) {
    throw new DecodeError(`alpaca: ${series} body is not {"${series}":[…],"symbol","next_page_token"}`);
  }
  const list = (items ?? []) as Array<{ t?: unknown }>;
  const mark = (item: { t?: unknown } | undefined): ItemMark | undefined => {
    const at = parseAlpacaTime(item?.t);
    return at === undefined ? undefined : { timeMs: at.ms };
  };
  const { page_token: _previous, ...params } = request.params;
  const end = parseAlpacaTime(request.params.end);
  const lastPage = token === null;
  return {
    items: list.length,
    oldest: mark(list[0]),
    newest: mark(list[list.length - 1]),
    full: false,
    nextPage: lastPage ? undefined : { path: request.path, params: { ...params, page_token: token } },
    // An empty window read to its end: the next one starts where it ended.
    continueFrom:
      lastPage && list.length === 0 && end !== undefined
        ? { timeMs: series === 'bars' ? Math.floor(end.ms / MINUTE_MS) * MINUTE_MS : end.ms }
        : undefined,
  };
}

function seriesOf(series: Series, template: string, symbol: string, feed: string): RecordSeries {
  const path = pathFor(template, symbol);
  const base = { limit: ALPACA_MAX_LIMIT, feed };
  return {
    symbol,
    request: (after, nowMs) => {
      if (series === 'bars') {
        // Whole minutes only: a bar is final once its minute has passed.
        const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS - 1;
        const startMs = after === undefined ? endMs + 1 - 5 * MINUTE_MS : after.timeMs + MINUTE_MS;
        if (startMs > endMs) return undefined;
        const window = { start: formatAlpacaTime(startMs), end: formatAlpacaTime(endMs) };
        return { path, params: { timeframe: ALPACA_BAR_TIMEFRAME, ...window, ...base } };
      }
      const endMs = Math.floor(nowMs / 1000) * 1000;
      const startMs = after === undefined ? endMs - FIRST_LOOKBACK_MS : after.timeMs;
      if (startMs >= endMs) return undefined;
      return { path, params: { start: formatAlpacaTime(startMs), end: formatAlpacaTime(endMs), ...base } };
    },
    read: (body, request) => readAlpacaPage(series, body, request),
  };
}

/** `symbols`: stock symbols (`AAPL`). */
export function alpacaRecordPlan(symbols: readonly string[], config: Config): RecordPlan {
  const feed = historicalFeed(config.alpacaFeed);
  const endpoint = (key: Series, template: string, intervalMs: number): RecordEndpoint => ({
    key,
    endpoint: endpointOf(template),
    weight: 1,
    intervalMs,
    continuity: 'windowed',
    series: symbols.map((s) => seriesOf(key, template, s, feed)),
  });
  return {
    platform: ALPACA_PLATFORM,
    liveBaseUrl: 'https://data.alpaca.markets',
    headers: { 'APCA-API-KEY-ID': config.alpacaKey, 'APCA-API-SECRET-KEY': config.alpacaSecret },
    rateLimits: [{ name: 'requests per key', limit: 200, windowMs: 60_000, scope: 'venue' }],
    endpoints: [
      endpoint('trades', ALPACA_TRADES_PATH, 5000),
      endpoint('quotes', ALPACA_QUOTES_PATH, 5000),
      endpoint('bars', ALPACA_BARS_PATH, 60_000),
    ],
  };
}
