/**
 * The Binance REST calls a stream client makes to sync (`/api/v3/depth`, `exchangeInfo`,
 * `ticker/24hr`, `ping`, `time`), answered from the replay state at the current replay time,
 * with Binance's bodies and error bodies (`{"code":-1121,"msg":"Invalid symbol."}`, HTTP 400).
 */
import { RestRouter, type RestHandler } from '../../replay/rest-router.js';
import type { BinanceFeed, SymbolFeed } from './hub-feed.js';
import { splitBinanceSymbol } from './symbols.js';

export interface BinanceRestContext {
  readonly feed: BinanceFeed;
  /** Replay time (wall clock before the first event). */
  serverTime(): number;
}

const SYMBOL_RE = /^[A-Z0-9-_.]{1,20}$/;
const INT_RE = /^[0-9]{1,20}$/;
const DEPTH_DEFAULT = 100;
const DEPTH_MAX = 5000;
const ASSET_PRECISION = 8;
const ZERO = '0.00000000';

class RestError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly msg: string,
  ) {}
}

const mandatory = (p: string): RestError =>
  new RestError(400, -1102, `Mandatory parameter '${p}' was not sent, was empty/null, or malformed.`);
const illegal = (p: string, range: string): RestError =>
  new RestError(400, -1100, `Illegal characters found in parameter '${p}'; legal range is '${range}'.`);
const INVALID_SYMBOL = new RestError(400, -1121, 'Invalid symbol.');
const BAD_COMBINATION = new RestError(400, -1128, 'Combination of optional parameters invalid.');
const SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$';

/** Binance's REST mirror: each call a pure handler of the replay state; errors in Binance's body. */
export function binanceRestRouter(ctx: BinanceRestContext): RestRouter {
  const ok =
    (body: (query: URLSearchParams) => unknown): RestHandler =>
    ({ query }) => {
      try {
        return { status: 200, body: body(query) };
      } catch (err) {
        if (!(err instanceof RestError)) throw err;
        return { status: err.status, body: { code: err.code, msg: err.msg } };
      }
    };
  return new RestRouter({
    notFound: ({ path }) => ({ status: 404, body: { error: `no Binance endpoint at ${path}`, path } }),
  })
    .on(
      'GET',
      '/api/v3/ping',
      ok(() => ({})),
    )
    .on(
      'GET',
      '/api/v3/time',
      ok(() => ({ serverTime: ctx.serverTime() })),
    )
    .on(
      'GET',
      '/api/v3/depth',
      ok((query) => depth(query, ctx)),
    )
    .on(
      'GET',
      '/api/v3/exchangeInfo',
      ok((query) => exchangeInfo(query, ctx)),
    )
    .on(
      'GET',
      '/api/v3/ticker/24hr',
      ok((query) => ticker24h(query, ctx)),
    );
}

/** The `symbol` parameter: mandatory, well-formed and replayed. */
function requireSymbol(query: URLSearchParams, ctx: BinanceRestContext): SymbolFeed {
  const symbol = query.get('symbol');
  if (symbol === null || symbol === '') throw mandatory('symbol');
  return lookup(symbol, ctx);
}

function lookup(symbol: string, ctx: BinanceRestContext): SymbolFeed {
  if (!SYMBOL_RE.test(symbol)) throw illegal('symbol', SYMBOL_RE.source);
  const feed = ctx.feed.get(symbol);
  if (feed === undefined) throw INVALID_SYMBOL;
  return feed;
}

/** `symbol=` or `symbols=["A","B"]` (not both); every replayed symbol when neither. */
function selectSymbols(
  query: URLSearchParams,
  ctx: BinanceRestContext,
): { one: boolean; feeds: readonly SymbolFeed[] } {
  const symbol = query.get('symbol');
  const symbols = query.get('symbols');
  if (symbol !== null && symbols !== null) throw BAD_COMBINATION;
  if (symbol !== null) {
    if (symbol === '') throw mandatory('symbol');
    return { one: true, feeds: [lookup(symbol, ctx)] };
  }
  if (symbols === null) return { one: false, feeds: ctx.feed.all() };
  let list: unknown;
  try {
    list = JSON.parse(symbols);
  } catch {
    throw illegal('symbols', SYMBOLS_RANGE);
  }
  if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || !SYMBOL_RE.test(s))) {
    throw illegal('symbols', SYMBOLS_RANGE);
  }
  if (list.length === 0) throw mandatory('symbols');
  return { one: false, feeds: (list as string[]).map((s) => lookup(s, ctx)) };
}

function depth(query: URLSearchParams, ctx: BinanceRestContext): unknown {
  const feed = requireSymbol(query, ctx);
  const raw = query.get('limit');
  let limit = DEPTH_DEFAULT;
  if (raw !== null && raw !== '') {
    if (!INT_RE.test(raw)) throw illegal('limit', INT_RE.source);
    limit = Math.min(Math.max(Number(raw), 1), DEPTH_MAX);
  }
  return feed.state.depth(limit);
}

/** `10^-decimals` as Binance writes filter steps: at least 8 decimals (`0.01000000`). */
export function stepString(decimals: number): string {
  const width = Math.max(ASSET_PRECISION, decimals);
  if (decimals <= 0) return `1.${'0'.repeat(width)}`;
  return `0.${'0'.repeat(decimals - 1)}1${'0'.repeat(width - decimals)}`;
}

function symbolInfo(feed: SymbolFeed): Record<string, unknown> {
  const symbol = feed.state.symbol;
  const parts = splitBinanceSymbol(symbol);
  const tick = stepString(feed.state.pricePrecision());
  const step = stepString(feed.state.quantityPrecision());
  return {
    symbol,
    status: 'TRADING',
    baseAsset: parts?.base ?? symbol,
    baseAssetPrecision: ASSET_PRECISION,
    quoteAsset: parts?.quote ?? '',
    quotePrecision: ASSET_PRECISION,
    quoteAssetPrecision: ASSET_PRECISION,
    baseCommissionPrecision: ASSET_PRECISION,
    quoteCommissionPrecision: ASSET_PRECISION,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: '1000000.00000000', tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: step, maxQty: '9000000.00000000', stepSize: step },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function exchangeInfo(query: URLSearchParams, ctx: BinanceRestContext): unknown {
  const { feeds } = selectSymbols(query, ctx);
  return {
    timezone: 'UTC',
    serverTime: ctx.serverTime(),
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: feeds.map(symbolInfo),
  };
}

const MINI_FIELDS = [
  'symbol',
  'openPrice',
  'highPrice',
  'lowPrice',
  'lastPrice',
  'volume',
  'quoteVolume',
  'openTime',
  'closeTime',
  'firstId',
  'lastId',
  'count',
] as const;

/** FULL ticker of one symbol; a symbol with no trade yet reports zeros and ids of -1, as Binance does. */
function fullTicker(feed: SymbolFeed, at: number): Record<string, string | number> {
  const t = feed.state.restTicker24h(at);
  if (t !== undefined) return t;
  const top = feed.state.bookTicker();
  return {
    symbol: feed.state.symbol,
    priceChange: ZERO,
    priceChangePercent: '0.000',
    weightedAvgPrice: ZERO,
    prevClosePrice: ZERO,
    lastPrice: ZERO,
    lastQty: ZERO,
    bidPrice: top?.b ?? ZERO,
    bidQty: top?.B ?? ZERO,
    askPrice: top?.a ?? ZERO,
    askQty: top?.A ?? ZERO,
    openPrice: ZERO,
    highPrice: ZERO,
    lowPrice: ZERO,
    volume: ZERO,
    quoteVolume: ZERO,
    openTime: at - 86_400_000,
    closeTime: at,
    firstId: -1,
    lastId: -1,
    count: 0,
  };
}

function ticker24h(query: URLSearchParams, ctx: BinanceRestContext): unknown {
  const type = query.get('type') ?? 'FULL';
  if (type !== 'FULL' && type !== 'MINI') throw illegal('type', 'FULL, MINI');
  const { one, feeds } = selectSymbols(query, ctx);
  const at = ctx.serverTime();
  const out = feeds.map((f) => {
    const full = fullTicker(f, at);
    if (type === 'FULL') return full;
    const mini: Record<string, string | number> = {};
    for (const k of MINI_FIELDS) mini[k] = full[k];
    return mini;
  });
  return one ? out[0] : out;
}
