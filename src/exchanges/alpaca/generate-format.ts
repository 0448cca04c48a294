/**
 * Alpaca historical REST bodies (wire.ts) from simulated stock trades and quotes: the paths, the
 * request parameters and the paged answers, shaped like the real ones [doc: Alpaca Market Data v2
 * historical stock API]. One call per symbol: `GET /v2/stocks/{symbol}/trades|quotes|bars` with
 * `start`, `end` (RFC3339), `limit` (default 1000, at most 10 000 [doc]), `feed` and, for a
 * further page, `page_token`; bars also `timeframe=1Min`. The answer is
 * `{"trades":[…],"symbol":"AAPL","next_page_token":"…"|null}` (`quotes`, `bars` alike): items
 * oldest first, at most `limit` of them; while more remain, `next_page_token` names where the
 * next page starts, and the last page has `null` [doc]. An empty window answers `null` items
 * [unconfirmed]. The token is opaque base64; the captured ones decode to the symbol, the page's
 * last item's time with nine fraction digits, and for trades its exchange and 20-digit id
 * (`AAPL|2021-10-13T08:00:00.089607680Z|P|09223372036854775809`), for quotes a number
 * (`IBM|2021-10-04T18:00:14.180522000Z|13449443`) [sdk test fixtures; the number's meaning
 * unconfirmed: here the item's place in the window]. Body and item keys in the captured order
 * (`trades`/`quotes`/`bars`, `symbol`, `next_page_token`; `t,x,p,s,c,i,z`;
 * `t,ax,ap,as,bx,bp,bs,c,z`; `t,o,h,l,c,v,n,vw`) [sdk test fixtures: fixtures/README.md].
 * Prices are JSON numbers on the cent grid; VWAP is rounded to 6 decimals [sdk test fixtures].
 */
import type { RequestParams, RestCapture } from '../../generate/dataset.js';
import { formatAlpacaTime, parseAlpacaTime } from './recording-time.js';
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

/** `t` with all nine fraction digits, as page tokens write it. */
function nineDigits(t: string): string {
  const at = parseAlpacaTime(t);
  if (at === undefined) throw new RangeError(`not an Alpaca time: ${t}`);
  const whole = new Date(Math.floor(at.ms / 1000) * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(at.ms % 1000).padStart(3, '0')}${String(at.subMsNanos).padStart(6, '0')}Z`;
}

/** The `next_page_token` of a page whose last item is `last`, item `n` of its window. */
export function pageToken(symbol: string, last: { t: string; x?: string; i?: number }, n: number): string {
  const where =
    last.x !== undefined && last.i !== undefined
      ? `${last.x}|${String(last.i).padStart(20, '0')}`
      : String(n);
  return Buffer.from(`${symbol}|${nineDigits(last.t)}|${where}`).toString('base64');
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
    const nextToken = next === undefined ? null : pageToken(ctx.symbol, page[page.length - 1], next - 1);
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
