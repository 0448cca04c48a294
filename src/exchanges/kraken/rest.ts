/**
 * Kraken's public REST calls a client makes at startup and to sync a book, under
 * `/kraken/0/public/`: Time, SystemStatus, Assets, AssetPairs, Ticker, Depth, Trades, answered
 * from the replay state at the current replay time in Kraken's shapes. As on Kraken, every answer
 * is `{"error":[…],"result":…}` with HTTP 200, failures included (`EQuery:Unknown asset pair`,
 * `EGeneral:Invalid arguments`); an unknown path is `EGeneral:Unknown method` with HTTP 404.
 *
 * REST prints prices with 5 decimals (the pair's own when finer), volumes as recorded (Depth) or
 * with the pair's lot decimals, trade times as fractional seconds (µs) and `last` as ns.
 */
import { formatFixed, formatUnits } from '../../core/decimal.js';
import type { TradeAggregate } from '../../replay/trade-aggregate.js';
import { RestRouter, type RestAnswer, type RestRequest } from '../../replay/rest-router.js';
import { KRAKEN_ASSET_PAIRS, KRAKEN_ASSETS } from './asset-pairs.js';
import { vwapText } from './derived.js';
import type { KrakenTradeEvent } from './replay-source.js';
import type { KrakenPair } from './symbols.js';
import type { KrakenMarket, KrakenTimeline } from './timeline.js';
import { tradeNs } from './trade-state.js';
import { toFixedText } from './wire-format.js';
import type {
  KrakenRestAsset,
  KrakenRestAssetPair,
  KrakenRestTicker,
  KrakenRestTradeRow,
  KrakenRestTradesResult,
} from './wire.js';

const REST_PRICE_DECIMALS = 5;
const DEPTH_COUNT_DEFAULT = 100;
const DEPTH_COUNT_MAX = 500;
const TRADES_COUNT_MAX = 1000;
const CONTENT_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

export const KRAKEN_REST_ERRORS = {
  unknownPair: 'EQuery:Unknown asset pair',
  unknownAsset: 'EQuery:Unknown asset',
  invalidArguments: 'EGeneral:Invalid arguments',
  unknownMethod: 'EGeneral:Unknown method',
} as const;

export interface KrakenRestContext {
  readonly timeline: KrakenTimeline;
  /** Replay time, ms (wall clock before the first event). */
  now(): number;
}

class KrakenRestError extends Error {}

function ok(result: unknown): RestAnswer {
  return { status: 200, body: { error: [], result }, headers: CONTENT_TYPE };
}

function failed(error: string, status = 200): RestAnswer {
  return { status, body: { error: [error] }, headers: CONTENT_TYPE };
}

/** The `/0/public/*` router of the Kraken mount. */
export function krakenRestRouter(ctx: KrakenRestContext): RestRouter {
  const route = (handler: (r: RestRequest) => unknown) => (r: RestRequest) => {
    try {
      return ok(handler(r));
    } catch (err) {
      if (err instanceof KrakenRestError) return failed(err.message);
      throw err;
    }
  };
  const router = new RestRouter({
    notFound: () => failed(KRAKEN_REST_ERRORS.unknownMethod, 404),
    methodNotAllowed: (_r, allowed) => ({
      ...failed(`${KRAKEN_REST_ERRORS.invalidArguments}: use ${allowed.join(' or ')}`, 405),
      headers: { ...CONTENT_TYPE, Allow: allowed.join(', ') },
    }),
  });
  const calls: ReadonlyArray<[name: string, result: (query: URLSearchParams) => unknown]> = [
    ['Time', () => serverTime(ctx.now())],
    ['SystemStatus', () => ({ status: 'online', timestamp: rfc3339Seconds(ctx.now()) })],
    ['Assets', (q) => assets(ctx, q)],
    ['AssetPairs', (q) => assetPairs(ctx, q)],
    ['Ticker', (q) => tickers(ctx, q)],
    ['Depth', (q) => depth(ctx, q)],
    ['Trades', (q) => trades(ctx, q)],
  ];
  for (const [name, result] of calls)
    router.on(
      'GET',
      `/0/public/${name}`,
      route((r) => result(r.query)),
    );
  return router;
}

// ---- parameters

function list(query: URLSearchParams, name: string): string[] | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  return raw.split(',').map((s) => s.trim());
}

/** The markets named by `pair` (any Kraken spelling); every served one when it is absent. */
function marketsOf(ctx: KrakenRestContext, query: URLSearchParams, required: boolean): KrakenMarket[] {
  const names = list(query, 'pair');
  const all = ctx.timeline.symbols().map((s) => ctx.timeline.market(s) as KrakenMarket);
  if (names === undefined) {
    if (required) throw new KrakenRestError(`${KRAKEN_REST_ERRORS.invalidArguments}: pair is required`);
    return all;
  }
  return names.map((name) => {
    const key = name.toUpperCase().replace(/[-_]/g, '/');
    const m = all.find(({ pair: p }) => [p.symbol, p.altname, p.restKey, p.wsname].includes(key));
    if (m === undefined) throw new KrakenRestError(KRAKEN_REST_ERRORS.unknownPair);
    return m;
  });
}

function onePair(ctx: KrakenRestContext, query: URLSearchParams): KrakenMarket {
  const markets = marketsOf(ctx, query, true);
  if (markets.length !== 1) throw new KrakenRestError(KRAKEN_REST_ERRORS.unknownPair);
  return markets[0];
}

/** A positive integer parameter, `fallback` when absent, clamped to `max`. */
function count(query: URLSearchParams, fallback: number, max: number): number {
  const raw = query.get('count');
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,9}$/.test(raw) || +raw < 1) {
    throw new KrakenRestError(`${KRAKEN_REST_ERRORS.invalidArguments}: count must be a positive integer`);
  }
  return Math.min(+raw, max);
}

/** `since` as ns: Kraken takes the ns cursor it hands out as `last`, or unix seconds (decimals allowed). */
function sinceNs(query: URLSearchParams): bigint | undefined {
  const raw = query.get('since');
  if (raw === null || raw === '') return undefined;
  if (/^\d{13,20}$/.test(raw)) return BigInt(raw);
  if (/^\d{1,12}(?:\.\d{1,9})?$/.test(raw)) {
    const [whole, fraction = ''] = raw.split('.');
    return BigInt(whole) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
  }
  throw new KrakenRestError(
    `${KRAKEN_REST_ERRORS.invalidArguments}: since must be a unix time or a last cursor`,
  );
}

// ---- endpoints

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `{unixtime, rfc1123: "Thu, 06 Jul 23 18:50:48 +0000"}` (two-digit year, as Kraken writes it). */
function serverTime(ms: number): { unixtime: number; rfc1123: string } {
  const d = new Date(ms);
  const rfc1123 =
    `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCFullYear() % 100)} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
  return { unixtime: Math.floor(ms / 1000), rfc1123 };
}

function rfc3339Seconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function servedAssetPairs(markets: KrakenMarket[]): Array<[string, KrakenRestAssetPair]> {
  return markets.flatMap(({ pair }) => {
    const entry = KRAKEN_ASSET_PAIRS[pair.restKey];
    return entry === undefined ? [] : [[pair.restKey, entry] as [string, KrakenRestAssetPair]];
  });
}

function assetPairs(ctx: KrakenRestContext, query: URLSearchParams): Record<string, KrakenRestAssetPair> {
  return Object.fromEntries(servedAssetPairs(marketsOf(ctx, query, false)));
}

function assets(ctx: KrakenRestContext, query: URLSearchParams): Record<string, KrakenRestAsset> {
  const held = new Map<string, KrakenRestAsset>();
  for (const [, entry] of servedAssetPairs(marketsOf(ctx, new URLSearchParams(), false))) {
    for (const id of [entry.base, entry.quote]) {
      const asset = KRAKEN_ASSETS[id];
      if (asset !== undefined) held.set(id, asset);
    }
  }
  const names = list(query, 'asset');
  if (names === undefined) return Object.fromEntries([...held].sort(([a], [b]) => (a < b ? -1 : 1)));
  const out: Record<string, KrakenRestAsset> = {};
  for (const name of names) {
    const upper = name.toUpperCase();
    const hit = [...held].find(
      ([id, a]) => id === upper || a.altname === upper || (upper === 'BTC' && a.altname === 'XBT'),
    );
    if (hit === undefined) throw new KrakenRestError(KRAKEN_REST_ERRORS.unknownAsset);
    out[hit[0]] = hit[1];
  }
  return out;
}

function restPrice(units: bigint, pair: KrakenPair): string {
  return toFixedText(formatUnits(units), Math.max(REST_PRICE_DECIMALS, pair.priceDecimals), 'price');
}

function restVolume(units: bigint, pair: KrakenPair): string {
  return toFixedText(formatUnits(units), pair.qtyDecimals, 'volume');
}

/** `[today, last 24 h]` of one figure; empty windows give zeros. */
function pairOf<T>(
  today: TradeAggregate | undefined,
  day: TradeAggregate | undefined,
  f: (a: TradeAggregate) => T,
  zero: T,
): [T, T] {
  return [today === undefined ? zero : f(today), day === undefined ? zero : f(day)];
}

function tickers(ctx: KrakenRestContext, query: URLSearchParams): Record<string, KrakenRestTicker> {
  const at = ctx.now();
  const midnight = Math.floor(at / 86_400_000) * 86_400_000;
  const out: Record<string, KrakenRestTicker> = {};
  for (const m of marketsOf(ctx, query, false)) {
    const p = m.pair;
    const day = m.trades.window24h(at);
    const today = m.trades.windowFrom(midnight, at);
    const zeroPrice = restPrice(0n, p);
    const zeroVolume = restVolume(0n, p);
    const price = (a: TradeAggregate, f: 'low' | 'high' | 'open'): string => restPrice(a[f], p);
    const last = m.trades.last;
    out[p.restKey] = {
      a: bookLevel(m.book.bestAsk(), p),
      b: bookLevel(m.book.bestBid(), p),
      c: last === undefined ? [zeroPrice, zeroVolume] : [restPriceText(last, p), restQtyText(last, p)],
      v: pairOf(today, day, (a) => restVolume(a.volume, p), zeroVolume),
      p: pairOf(
        today,
        day,
        (a) =>
          toFixedText(vwapText(a, p.priceDecimals), Math.max(REST_PRICE_DECIMALS, p.priceDecimals), 'vwap'),
        zeroPrice,
      ),
      t: pairOf(today, day, (a) => a.count, 0),
      l: pairOf(today, day, (a) => price(a, 'low'), zeroPrice),
      h: pairOf(today, day, (a) => price(a, 'high'), zeroPrice),
      o: today === undefined ? zeroPrice : price(today, 'open'),
    };
  }
  return out;
}

/** `[price, whole lot volume, lot volume]` of a best level (v2 text in); the whole-lot part is the integer part [unconfirmed]. */
function bookLevel(level: readonly string[] | undefined, p: KrakenPair): [string, string, string] {
  if (level === undefined) return [restPrice(0n, p), '0', toFixedText('0', 3, 'volume')];
  const volume = toFixedText(level[1], p.qtyDecimals, 'volume');
  return [
    toFixedText(level[0], Math.max(REST_PRICE_DECIMALS, p.priceDecimals), 'price'),
    String(Math.floor(+volume)),
    volume,
  ];
}

function restPriceText(t: KrakenTradeEvent, p: KrakenPair): string {
  return toFixedText(t.price, Math.max(REST_PRICE_DECIMALS, p.priceDecimals), 'trade price');
}

function restQtyText(t: KrakenTradeEvent, p: KrakenPair): string {
  return toFixedText(t.qty, p.qtyDecimals, 'trade volume');
}

function depth(ctx: KrakenRestContext, query: URLSearchParams): Record<string, unknown> {
  const m = onePair(ctx, query);
  const n = count(query, DEPTH_COUNT_DEFAULT, DEPTH_COUNT_MAX);
  return { [m.pair.restKey]: { asks: m.book.restLevels('asks', n), bids: m.book.restLevels('bids', n) } };
}

function trades(ctx: KrakenRestContext, query: URLSearchParams): KrakenRestTradesResult {
  const m = onePair(ctx, query);
  const n = count(query, TRADES_COUNT_MAX, TRADES_COUNT_MAX);
  const since = sinceNs(query);
  const page = since === undefined ? m.trades.latest(n) : m.trades.after(since, n);
  const rows = page.map((t) => tradeRow(t, m.pair));
  const last = page.length > 0 ? tradeNs(page[page.length - 1]) : (since ?? 0n);
  return { [m.pair.restKey]: rows, last: last.toString() };
}

function tradeRow(t: KrakenTradeEvent, p: KrakenPair): KrakenRestTradeRow {
  const seconds = Number(formatFixed(BigInt(Math.round(t.timestamp * 1000)), 6));
  return [
    restPriceText(t, p),
    restQtyText(t, p),
    seconds,
    t.side === 'buy' ? 'b' : 's',
    t.ordType === 'market' ? 'm' : 'l',
    '',
    t.tradeId,
  ];
}
