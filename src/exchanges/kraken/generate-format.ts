/**
 * Kraken REST bodies from the seeded market simulator, shaped like the real ones: Depth
 * (`count`-level book, price strings with 5 decimals, volumes with 3, each level's last change
 * in unix seconds), Trades pages (rows with fractional-second times and trade ids, a `last`
 * cursor in ns) and AssetPairs. Deterministic: the same simulator run gives the same bytes.
 */
import { cachedFormat, decimalsOf, formatUnits, unitsOf } from '../../generate/decimal.js';
import type { MarketSimulator, SimTrade } from '../../generate/market.js';
import type { SymbolProfile } from '../../generate/profiles.js';
import { KRAKEN_ASSET_PAIRS } from './asset-pairs.js';
import type { KrakenPair } from './symbols.js';
import type {
  KrakenRestAssetPair,
  KrakenRestDepthLevel,
  KrakenRestDepthResult,
  KrakenRestResponse,
  KrakenRestTradeRow,
  KrakenRestTradesResult,
} from './wire.js';

export const KRAKEN_DEPTH_PATH = '/0/public/Depth';
export const KRAKEN_TRADES_PATH = '/0/public/Trades';
export const KRAKEN_ASSET_PAIRS_PATH = '/0/public/AssetPairs';
/** Depth's default `count`. */
export const KRAKEN_DEPTH_COUNT = 100;
/** Trades' largest `count`. */
export const KRAKEN_TRADES_MAX_COUNT = 1000;
/**
 * REST prices carry 5 decimals on both pairs ("83930.30000", "2583.11000") [capture]; finer pairs
 * are assumed to keep their own precision [unconfirmed].
 */
const REST_PRICE_DECIMALS = 5;
/** Depth volumes carry 3 decimals ("0.420") [captures 2015–2022, not re-checked since]. */
const DEPTH_VOLUME_DECIMALS = 3;
/** Share of taker orders Kraken prints as market (`m`) rather than limit (`l`). */
const MARKET_ORDER_SHARE = 0.4;

/** A well-mixed 32-bit hash of an integer and a salt (murmur3 finalizer). */
function mix(value: number, salt: number): number {
  let h = Math.imul(value ^ salt, 0x85ebca6b) ^ Math.floor(value / 0x1_0000_0000);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function saltOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** One printed trade as Trades shows it, with its time in ns (the `last` cursor unit). */
export interface KrakenTapeEntry {
  readonly ns: bigint;
  readonly row: KrakenRestTradeRow;
}

interface LevelSeen {
  readonly steps: number;
  readonly seconds: number;
}

/** Prints one pair's simulator ticks, steps and times as Kraken's REST text. */
export class KrakenRestFormatter {
  readonly pair: KrakenPair;
  private readonly tickDecimals: number;
  private readonly tickUnits: number;
  private readonly priceDecimals: number;
  private readonly stepUnits: number;
  private readonly salt: number;
  /** Per side, the level quantities of the last Depth body and since when (s) they stood. */
  private seen: Record<'asks' | 'bids', Map<number, LevelSeen>> = { asks: new Map(), bids: new Map() };

  constructor(profile: SymbolProfile, pair: KrakenPair) {
    this.pair = pair;
    this.tickDecimals = decimalsOf(profile.priceFilter.tickSize);
    this.tickUnits = unitsOf(profile.priceFilter.tickSize, this.tickDecimals);
    this.priceDecimals = Math.max(REST_PRICE_DECIMALS, this.tickDecimals);
    this.stepUnits = unitsOf(profile.lotSize.stepSize, pair.qtyDecimals);
    this.salt = saltOf(pair.symbol);
  }

  readonly price = cachedFormat((ticks) =>
    formatUnits(ticks * this.tickUnits, this.tickDecimals, this.priceDecimals),
  );

  volume(steps: number, decimals = this.pair.qtyDecimals): string {
    return formatUnits(steps * this.stepUnits, this.pair.qtyDecimals, decimals);
  }

  /**
   * A trade as a Trades row. Fills of one taker order share one ms; a sub-ms part and the order
   * type are derived from that ms so that they too are shared and reproducible.
   */
  trade(trade: SimTrade): KrakenTapeEntry {
    const hash = mix(trade.time, this.salt);
    const ns = BigInt(trade.time) * 1_000_000n + BigInt(hash % 1_000_000);
    const digits = ns.toString();
    const row: KrakenRestTradeRow = [
      this.price(trade.priceTicks),
      this.volume(trade.qtySteps),
      Number(`${digits.slice(0, -9)}.${digits.slice(-9)}`),
      trade.buyerIsMaker ? 's' : 'b',
      (hash >>> 20) / 4096 < MARKET_ORDER_SHARE ? 'm' : 'l',
      '',
      trade.id,
    ];
    return { ns, row };
  }

  /** `/0/public/Depth?pair=…&count=…` as served at `serverMs`. */
  depth(sim: MarketSimulator, count: number, serverMs: number): KrakenRestResponse<KrakenRestDepthResult> {
    const seconds = Math.floor(serverMs / 1000);
    const book = {
      asks: this.levels('asks', sim.asks.levels(count), seconds),
      bids: this.levels('bids', sim.bids.levels(count), seconds),
    };
    return { error: [], result: { [this.pair.restKey]: book } };
  }

  /** A level keeps its time while its quantity stands; a new or resized one is stamped now. */
  private levels(side: 'asks' | 'bids', levels: [number, number][], seconds: number): KrakenRestDepthLevel[] {
    const before = this.seen[side];
    const now = new Map<number, LevelSeen>();
    const out = new Array<KrakenRestDepthLevel>(levels.length);
    for (let i = 0; i < levels.length; i++) {
      const [tick, steps] = levels[i];
      const old = before.get(tick);
      const level = old !== undefined && old.steps === steps ? old : { steps, seconds };
      now.set(tick, level);
      out[i] = [this.price(tick), this.volume(steps, DEPTH_VOLUME_DECIMALS), level.seconds];
    }
    this.seen[side] = now;
    return out;
  }

  /** `/0/public/AssetPairs?pair=…`: the pair's entry under its internal name. */
  assetPairs(): KrakenRestResponse<Record<string, KrakenRestAssetPair>> {
    return { error: [], result: { [this.pair.restKey]: KRAKEN_ASSET_PAIRS[this.pair.restKey] } };
  }
}

/** The request parameters and body of one Trades poll. */
export interface KrakenTradesPoll {
  readonly params: { readonly pair: string; readonly since?: string; readonly count: number };
  readonly body: KrakenRestResponse<KrakenRestTradesResult>;
}

/**
 * The recent tape of one pair and a poller reading it as a recorder does: each poll asks
 * `since` = the last trade it saw, in ms as clients such as ccxt keep it, minus a safety
 * overlap, so consecutive pages overlap and the trades of that window are served again.
 * Kraken answers the trades after `since` (ns, exclusive), oldest first, at most `count`, with
 * `last` = the ns time of the last one (the echoed `since` when there is none [unconfirmed]).
 */
export class KrakenTradesPoller {
  private readonly tape: KrakenTapeEntry[] = [];
  private since: bigint | undefined;

  constructor(
    private readonly formatter: KrakenRestFormatter,
    private readonly count = KRAKEN_TRADES_MAX_COUNT,
    private readonly overlapMs = 1000,
  ) {}

  /** Adds a trade as it prints; the tape keeps what a poll can still reach. */
  record(trade: SimTrade): void {
    this.tape.push(this.formatter.trade(trade));
    if (this.tape.length > 4 * this.count) this.tape.splice(0, this.tape.length - 2 * this.count);
  }

  /** The next poll; the first one has no `since` and gets the latest `count` trades. */
  poll(): KrakenTradesPoll {
    const since = this.since;
    const page = since === undefined ? this.tape.slice(-this.count) : this.after(since);
    const last = page.length > 0 ? page[page.length - 1].ns : (since ?? 0n);
    if (page.length > 0) {
      const lastMs = last / 1_000_000n;
      this.since = (lastMs - BigInt(this.overlapMs)) * 1_000_000n;
    }
    const { altname, restKey } = this.formatter.pair;
    const params =
      since === undefined
        ? { pair: altname, count: this.count }
        : { pair: altname, since: since.toString(), count: this.count };
    const result: KrakenRestTradesResult = { [restKey]: page.map((t) => t.row), last: last.toString() };
    return { params, body: { error: [], result } };
  }

  private after(since: bigint): KrakenTapeEntry[] {
    let lo = 0;
    let hi = this.tape.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tape[mid].ns <= since) lo = mid + 1;
      else hi = mid;
    }
    return this.tape.slice(lo, lo + this.count);
  }
}
