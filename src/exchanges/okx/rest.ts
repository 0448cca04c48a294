/**
 * OKX v5 public REST under `/okx/api/v5/`, answered from the replay state at the current replay
 * time: `public/instruments`, `public/time`, `market/books`, `market/ticker`, `market/tickers`,
 * `market/trades`, `market/candles` (bar `1m` only). Bodies are `{"code":"0","msg":"","data":[…]}`
 * [doc]; failures carry OKX's code and text [doc: v5 REST error-code table, texts confirmed by
 * third-party captures]: a missing parameter 50014 "Parameter {x} can not be empty." (HTTP 400),
 * a bad one 51000 "Parameter {x} error" (HTTP 400), an unknown instrument 51001 "Instrument ID
 * does not exist" (HTTP 200 [unconfirmed]). Limits: books `sz` 1 by default, at most 400;
 * trades `limit` 100 / 500; candles `limit` 100 / 300, newest first [doc]. An unknown path is
 * HTTP 404 [unconfirmed body].
 */
import { MINUTE_MS } from '../../replay/trade-window.js';
import { RestRouter, type RestAnswer, type RestRequest } from '../../replay/rest-router.js';
import { OKX_BOOK_DEPTH } from './book-state.js';
import { okxRestBody, okxRestError } from './encoder.js';
import { okxCandle, okxTicker } from './hub-derived.js';
import type { OkxHubPairs } from './hub-pairs.js';
import { KEPT_CANDLES, TAPE_TRADES } from './hub-trades.js';
import type { OkxMarket, OkxTimeline } from './timeline.js';
import type { OkxRestTrade, OkxTicker } from './wire.js';

export interface OkxRestContext {
  readonly timeline: OkxTimeline;
  readonly pairs: OkxHubPairs;
  /** Replay time, ms (wall clock before the first event). */
  now(): number;
}

export const OKX_REST_ERRORS = {
  empty: (param: string) => ({ status: 400, code: '50014', msg: `Parameter ${param} can not be empty.` }),
  bad: (param: string) => ({ status: 400, code: '51000', msg: `Parameter ${param} error` }),
  noInstrument: { status: 200, code: '51001', msg: 'Instrument ID does not exist' },
} as const;

interface RestFailure {
  readonly status: number;
  readonly code: string;
  readonly msg: string;
}

class OkxRestError extends Error {
  constructor(readonly failure: RestFailure) {
    super(failure.msg);
  }
}

function ok(data: unknown[]): RestAnswer {
  return { status: 200, body: okxRestBody(data) };
}

/** A required parameter's value; 50014 when absent or empty. */
function required(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v === '') throw new OkxRestError(OKX_REST_ERRORS.empty(name));
  return v;
}

/** An optional whole number in [1, max]; 51000 otherwise. */
function count(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > max) throw new OkxRestError(OKX_REST_ERRORS.bad(name));
  return n;
}

function spotOnly(q: URLSearchParams): void {
  if (required(q, 'instType') !== 'SPOT') throw new OkxRestError(OKX_REST_ERRORS.bad('instType'));
}

/** The `/api/v5/*` router of the OKX mount. */
export function okxRestRouter(ctx: OkxRestContext): RestRouter {
  const market = (q: URLSearchParams): OkxMarket => {
    const m = ctx.timeline.market(required(q, 'instId'));
    if (m === undefined) throw new OkxRestError(OKX_REST_ERRORS.noInstrument);
    return m;
  };
  const ticker = (m: OkxMarket): OkxTicker | undefined => okxTicker(m.instId, m.trades, m.book, ctx.now());
  const route = (handler: (q: URLSearchParams) => unknown[]) => (r: RestRequest) => {
    try {
      return ok(handler(r.query));
    } catch (err) {
      if (!(err instanceof OkxRestError)) throw err;
      const { status, code, msg } = err.failure;
      return { status, body: okxRestError(code, msg) };
    }
  };
  return new RestRouter({
    notFound: (r) => ({
      status: 404,
      body: okxRestError(
        '404',
        `Not Found: ${r.path} is not an OKX v5 public route served by the replay hub`,
      ),
    }),
  })
    .on(
      'GET',
      '/api/v5/public/time',
      route(() => [{ ts: String(ctx.now()) }]),
    )
    .on(
      'GET',
      '/api/v5/public/instruments',
      route((q) => {
        spotOnly(q);
        const instId = q.get('instId');
        if (instId === null || instId === '') {
          return ctx.timeline.symbols().flatMap((id) => {
            const found = ctx.pairs.find(id);
            return found === undefined ? [] : [found.entry];
          });
        }
        const found = ctx.timeline.market(instId);
        if (found === undefined) throw new OkxRestError(OKX_REST_ERRORS.noInstrument);
        return [found.instrument.entry];
      }),
    )
    .on(
      'GET',
      '/api/v5/market/books',
      route((q) => {
        const m = market(q);
        const sz = count(q, 'sz', 1, OKX_BOOK_DEPTH);
        const { bids, asks } = m.book.top(sz);
        return [{ asks, bids, ts: String(m.book.hasBook ? m.bookTime : ctx.now()) }];
      }),
    )
    .on(
      'GET',
      '/api/v5/market/ticker',
      route((q) => {
        const t = ticker(market(q));
        return t === undefined ? [] : [t];
      }),
    )
    .on(
      'GET',
      '/api/v5/market/tickers',
      route((q) => {
        spotOnly(q);
        return ctx.timeline.symbols().flatMap((id) => {
          const m = ctx.timeline.market(id);
          const t = m === undefined ? undefined : ticker(m);
          return t === undefined ? [] : [t];
        });
      }),
    )
    .on(
      'GET',
      '/api/v5/market/trades',
      route((q): OkxRestTrade[] => {
        const m = market(q);
        const limit = count(q, 'limit', 100, TAPE_TRADES);
        return m.trades.newest(limit).map(({ instId, side, sz, px, tradeId, ts }) => ({
          instId,
          side,
          sz,
          px,
          tradeId,
          ts,
        }));
      }),
    )
    .on(
      'GET',
      '/api/v5/market/candles',
      route((q) => {
        const m = market(q);
        const bar = q.get('bar') ?? '1m';
        if (bar !== '1m') throw new OkxRestError(OKX_REST_ERRORS.bad('bar'));
        const limit = count(q, 'limit', 100, KEPT_CANDLES);
        return m.trades
          .candlesBefore(Infinity, limit)
          .map((c) => okxCandle(c, c.start + MINUTE_MS <= ctx.now() ? '1' : '0'));
      }),
    );
}
