/**
 * Alpaca Market Data v2 historical stock REST under `/alpaca/v2/stocks/`, answered from the
 * replay state at the current replay time (nothing later is ever kept): `{symbol}/trades`,
 * `{symbol}/quotes`, `{symbol}/bars?timeframe=1Min` (pages: `limit` 1–10000, default 1000 [doc];
 * `page_token` → `next_page_token`, null on the last page [doc]; `start` / `end` RFC3339 [doc]),
 * `{symbol}/trades/latest`, `{symbol}/quotes/latest`, `snapshots?symbols=` [doc].
 *
 * Requests carry `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY` like Alpaca's [doc]; missing or wrong
 * → 401 `{"message":"unauthorized."}` [unconfirmed body]. Bad parameters → 422
 * `{"code":42210000,"message":"…"}` naming the parameter [code doc-style, texts unconfirmed].
 * An unknown symbol: pages of nothing (`null` list) [unconfirmed], latest → 404
 * `{"code":40410000,"message":"…"}` [unconfirmed]; snapshots leave it out [unconfirmed]. Without
 * `start`, everything the hub keeps (hub-market.ts) is in range (Alpaca: the start of the day).
 * The page token is opaque: the next item's sequence number, base64url.
 */
import { RestRouter, type RestAnswer, type RestRequest } from '../../replay/rest-router.js';
import { rfc3339Millis } from './encoder.js';
import type { AlpacaCredentials } from './credentials.js';
import type { History } from './hub-market.js';
import type { AlpacaTimeline } from './timeline.js';
import type { AlpacaRestError, AlpacaSnapshot } from './wire.js';

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;

export interface AlpacaRestContext {
  readonly timeline: AlpacaTimeline;
  readonly credentials: AlpacaCredentials;
  /** Replay time, ms (wall clock before the first event). */
  now(): number;
}

class RestFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: AlpacaRestError,
  ) {
    super(body.message);
  }
}

const invalid = (message: string): RestFailure => new RestFailure(422, { code: 42210000, message });

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const ms = rfc3339Millis(v);
  if (!Number.isFinite(ms))
    throw invalid(`invalid ${name}: ${v} is not an RFC3339 time (e.g. 2021-02-22T15:51:44Z)`);
  return ms;
}

function limitParam(q: URLSearchParams): number {
  const v = q.get('limit');
  if (v === null || v === '') return DEFAULT_PAGE_LIMIT;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > MAX_PAGE_LIMIT) {
    throw invalid(`invalid limit: ${v}; give a whole number from 1 to ${MAX_PAGE_LIMIT}`);
  }
  return n;
}

function tokenParam(q: URLSearchParams): number | undefined {
  const v = q.get('page_token');
  if (v === null || v === '') return undefined;
  const seq = Number(Buffer.from(v, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw invalid(`invalid page_token: ${v}; pass a next_page_token as given`);
  return seq;
}

interface Page<T> {
  readonly items: T[];
  readonly next_page_token: string | null;
}

/** One page of `history` in [start, end], from the page token on. */
function page<T>(history: History<T> | undefined, q: URLSearchParams, now: number): Page<T> {
  const start = timeParam(q, 'start') ?? -Infinity;
  const asked = timeParam(q, 'end') ?? Infinity;
  if (start > asked) throw invalid('invalid start: start must not be after end');
  // Nothing after the replay time is ever kept; the clamp says so for the range too.
  const end = Math.min(asked, now);
  const limit = limitParam(q);
  const token = tokenParam(q);
  if (history === undefined) return { items: [], next_page_token: null };
  const count = history.length;
  let i = token === undefined ? 0 : history.indexOfSeq(token);
  const items: T[] = [];
  for (; i < count && items.length < limit; i++) {
    const ms = history.msAt(i);
    if (ms < start) continue;
    if (ms > end) break;
    items.push(history.valueAt(i));
  }
  const more = i < count && history.msAt(i) >= start && history.msAt(i) <= end;
  return {
    items,
    next_page_token: more ? Buffer.from(String(history.seqAt(i))).toString('base64url') : null,
  };
}

/**
 * A trades or quotes page as JSON text: the kept items are their REST JSON already, joined as
 * they are (`null` for an empty page, as Alpaca answers).
 */
function textPage(key: 'trades' | 'quotes', p: Page<string>, symbol: string): string {
  const items = p.items.length === 0 ? 'null' : `[${p.items.join(',')}]`;
  return `{"${key}":${items},"symbol":${JSON.stringify(symbol)},"next_page_token":${JSON.stringify(p.next_page_token)}}`;
}

function authorized(r: RestRequest, creds: AlpacaCredentials): boolean {
  const key = r.req.headers['apca-api-key-id'];
  const secret = r.req.headers['apca-api-secret-key'];
  return typeof key === 'string' && typeof secret === 'string' && creds.matches(key, secret);
}

/** The `/v2/stocks/*` router of the Alpaca mount. */
export function alpacaRestRouter(ctx: AlpacaRestContext): RestRouter {
  const route =
    (handler: (r: RestRequest) => unknown) =>
    (r: RestRequest): RestAnswer => {
      if (!authorized(r, ctx.credentials)) return { status: 401, body: { message: 'unauthorized.' } };
      try {
        return { status: 200, body: handler(r) };
      } catch (err) {
        if (!(err instanceof RestFailure)) throw err;
        return { status: err.status, body: err.body };
      }
    };
  const market = (r: RestRequest) => ctx.timeline.market(r.params.symbol);
  const latest = <T>(r: RestRequest, what: 'trade' | 'quote', value: T | undefined): T => {
    if (value === undefined) {
      throw new RestFailure(404, { code: 40410000, message: `no ${what} found for ${r.params.symbol}` });
    }
    return value;
  };
  return new RestRouter({
    notFound: (r) => ({
      status: 404,
      body: {
        code: 40410000,
        message: `endpoint not found: ${r.path} is not a v2 stock data route of the replay hub`,
      },
    }),
  })
    .on(
      'GET',
      '/v2/stocks/snapshots',
      route((r) => {
        const symbols = (r.query.get('symbols') ?? '').split(',').filter((s) => s !== '');
        if (symbols.length === 0) throw invalid('missing symbols: give symbols=AAPL,MSFT');
        const out: Record<string, AlpacaSnapshot> = {};
        for (const sym of symbols) {
          const m = ctx.timeline.market(sym);
          if (m === undefined) continue;
          out[sym] = {
            latestTrade: m.latestTrade ?? null,
            latestQuote: m.latestQuote ?? null,
            minuteBar: m.minuteBar ?? null,
            dailyBar: m.daily?.bar ?? null,
            prevDailyBar: m.prevDaily ?? null,
          };
        }
        return out;
      }),
    )
    .on(
      'GET',
      '/v2/stocks/{symbol}/trades/latest',
      route((r) => ({ symbol: r.params.symbol, trade: latest(r, 'trade', market(r)?.latestTrade) })),
    )
    .on(
      'GET',
      '/v2/stocks/{symbol}/quotes/latest',
      route((r) => ({ symbol: r.params.symbol, quote: latest(r, 'quote', market(r)?.latestQuote) })),
    )
    .on(
      'GET',
      '/v2/stocks/{symbol}/trades',
      route((r) => {
        return textPage('trades', page(market(r)?.trades, r.query, ctx.now()), r.params.symbol);
      }),
    )
    .on(
      'GET',
      '/v2/stocks/{symbol}/quotes',
      route((r) => {
        return textPage('quotes', page(market(r)?.quotes, r.query, ctx.now()), r.params.symbol);
      }),
    )
    .on(
      'GET',
      '/v2/stocks/{symbol}/bars',
      route((r) => {
        const tf = r.query.get('timeframe');
        if (tf === null || tf === '')
          throw invalid('missing timeframe: the replay hub serves timeframe=1Min');
        if (tf !== '1Min' && tf !== '1T')
          throw invalid(`invalid timeframe: ${tf}; the replay hub serves 1Min bars`);
        const p = page(market(r)?.bars, r.query, ctx.now());
        const bars = p.items.length === 0 ? null : p.items;
        return { bars, symbol: r.params.symbol, next_page_token: p.next_page_token };
      }),
    );
}
