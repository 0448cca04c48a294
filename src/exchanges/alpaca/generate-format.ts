/**
 * Alpaca historical REST bodies (wire.ts) from simulated stock trades and quotes: the paths, the
 * request parameters and the paged answers, shaped like the real ones [doc: Alpaca Market Data v2
 * historical stock API]. One call per symbol: `GET /v2/stocks/{symbol}/trades|quotes|bars` with
 * `start`, `end` (RFC3339), `limit` (default 1000, at most 10 000 [doc]), `feed` and, for a
 * further page, `page_token`; bars also `timeframe=1Min`. The answer is
 * `{"trades":[…],"symbol":"AAPL","next_page_token":"…"|null}` (`quotes`, `bars` alike): items
 * oldest first, at most `limit` of them; while more remain, `next_page_token` names where the
 * next page starts, and the last page has `null` [doc]. An empty window answers `null` items
 * [unconfirmed]. The token is base64 of `symbol|time|n` [unconfirmed: Alpaca's is opaque base64].
 * Item keys in the order the doc lists the fields (`t,x,p,s,c,i,z`; quotes
 * `t,ax,ap,as,bx,bp,bs,c,z`; bars `t,o,h,l,c,v,n,vw`) [unconfirmed: the live byte order].
 * Prices are JSON numbers on the cent grid; VWAP is rounded to 6 decimals [doc example].
 */
import type { RequestParams, RestCapture } from '../../generate/dataset.js';
import { formatAlpacaTime } from './recording-time.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from './wire.js';

export const ALPACA_TRADES_PATH = '/v2/stocks/{symbol}/trades';
export const ALPACA_QUOTES_PATH = '/v2/stocks/{symbol}/quotes';
export const ALPACA_BARS_PATH = '/v2/stocks/{symbol}/bars';
export const ALPACA_DEFAULT_LIMIT = 1000;
export const ALPACA_MAX_LIMIT = 10_000;
/** The feed the sample is recorded from: the consolidated tape (NBBO quotes) [doc]. */
export const ALPACA_SAMPLE_FEED = 'sip';
export const ALPACA_BAR_TIMEFRAME = '1Min';
export const MINUTE_MS = 60_000;

/** A stock price on the cent grid as the JSON number Alpaca writes (`255.07`). */
export function centsToPrice(cents: number): number {
  return Math.round(cents) / 100;
}

/** The concrete path of a `{symbol}` template. */
export function pathFor(template: string, symbol: string): string {
  return template.replace('{symbol}', encodeURIComponent(symbol));
}

/** The `next_page_token` of a page whose successor starts at item `n` (time `t`). */
export function pageToken(symbol: string, t: string, n: number): string {
  return Buffer.from(`${symbol}|${t}|${n}`).toString('base64');
}

type Series = 'trades' | 'quotes' | 'bars';
type ItemOf<S extends Series> = S extends 'trades'
  ? AlpacaRestTrade
  : S extends 'quotes'
    ? AlpacaRestQuote
    : AlpacaRestBar;

/** What every call of one symbol shares. */
export interface CallContext {
  readonly symbol: string;
  readonly feed: string;
  readonly limit: number;
}

/**
 * The captured answers of one window `[fromMs, toMs)` of a series: page after page of at most
 * `limit` items, each page's request carrying the previous answer's token.
 */
export function pagedCalls<S extends Series>(
  series: S,
  template: string,
  ctx: CallContext,
  fromMs: number,
  toMs: number,
  items: readonly ItemOf<S>[],
): RestCapture[] {
  const base: RequestParams = {
    ...(series === 'bars' ? { timeframe: ALPACA_BAR_TIMEFRAME } : {}),
    start: formatAlpacaTime(fromMs),
    end: formatAlpacaTime(toMs),
    limit: ctx.limit,
    feed: ctx.feed,
  };
  const path = pathFor(template, ctx.symbol);
  const calls: RestCapture[] = [];
  let token: string | undefined;
  for (let start = 0; start === 0 || start < items.length; start += ctx.limit) {
    const page = items.slice(start, start + ctx.limit);
    const next = start + ctx.limit < items.length ? start + ctx.limit : undefined;
    const nextToken = next === undefined ? null : pageToken(ctx.symbol, items[next].t, next);
    const params = token === undefined ? base : { ...base, page_token: token };
    // Key order of the body as Alpaca writes it: the items, the symbol, the token.
    const body = {
      [series]: page.length === 0 ? null : page,
      symbol: ctx.symbol,
      next_page_token: nextToken,
    };
    calls.push({ path, params, body });
    if (nextToken === null) break;
    token = nextToken;
  }
  return calls;
}

/** A trade item, keys in Alpaca's order. */
export function tradeItem(
  t: string,
  x: string,
  cents: number,
  size: number,
  i: number,
  z: string,
): AlpacaRestTrade {
  // Trades under a round lot (100 shares) are odd lots: condition `I` beside the regular sale `@` [doc].
  return { t, x, p: centsToPrice(cents), s: size, c: size < 100 ? ['@', 'I'] : ['@'], i, z };
}

/** A quote item (`R`: regular two-sided quote [doc]), keys in Alpaca's order. */
export function quoteItem(
  t: string,
  ask: { x: string; cents: number; size: number },
  bid: { x: string; cents: number; size: number },
  z: string,
): AlpacaRestQuote {
  return {
    t,
    ax: ask.x,
    ap: centsToPrice(ask.cents),
    as: ask.size,
    bx: bid.x,
    bp: centsToPrice(bid.cents),
    bs: bid.size,
    c: ['R'],
    z,
  };
}

/** A minute's trades accumulated into its bar. */
export class BarBuilder {
  private open = 0;
  private high = -Infinity;
  private low = Infinity;
  private close = 0;
  private volume = 0;
  private count = 0;
  /** Σ cents × shares, exact in integers. */
  private notional = 0;

  constructor(readonly minuteMs: number) {}

  get empty(): boolean {
    return this.count === 0;
  }

  add(cents: number, size: number): void {
    if (this.count === 0) this.open = cents;
    this.high = Math.max(this.high, cents);
    this.low = Math.min(this.low, cents);
    this.close = cents;
    this.volume += size;
    this.count++;
    this.notional += cents * size;
  }

  bar(): AlpacaRestBar {
    return {
      t: formatAlpacaTime(this.minuteMs),
      o: centsToPrice(this.open),
      h: centsToPrice(this.high),
      l: centsToPrice(this.low),
      c: centsToPrice(this.close),
      v: this.volume,
      n: this.count,
      vw: Math.round((this.notional / this.volume) * 10_000) / 1_000_000,
    };
  }
}
