/**
 * OKX REST bodies from the seeded market simulator, shaped like the real ones: every number is
 * text, written with no trailing zeros (`"30244"`, `"0.08"` [capture]); `/api/v5/market/books`
 * levels are `[px, sz, "0", orders]`, 400 a side, best first; `/api/v5/market/trades` pages are the
 * latest `limit` trades, newest first [doc]; `/api/v5/public/instruments` is the built-in entry
 * with the profile's grid. Bodies are `{"code":"0","data":[…],"msg":""}`, keys in the order the
 * instruments capture shows (the other endpoints assumed alike [unconfirmed]). Deterministic: the
 * same simulator run gives the same bytes.
 */
import { cachedFormat, decimalsOf, formatUnits, unitsOf } from '../../generate/decimal.js';
import type { MarketSimulator, SimTrade } from '../../generate/market.js';
import type { SymbolProfile } from '../../generate/profiles.js';
import { OKX_SPOT_INSTRUMENTS, orderedInstrument, type OkxRestInstrument } from './instruments.js';
import type { OkxLevel, OkxRestBook, OkxRestTrade } from './wire.js';

export const OKX_BOOKS_PATH = '/api/v5/market/books';
export const OKX_TRADES_PATH = '/api/v5/market/trades';
export const OKX_INSTRUMENTS_PATH = '/api/v5/public/instruments';
/** `sz` of a books request: OKX's largest [doc]. */
export const OKX_BOOKS_DEPTH = 400;
/** `limit` of a trades request: default 100, at most 500 [doc]. */
export const OKX_TRADES_DEFAULT_LIMIT = 100;
export const OKX_TRADES_MAX_LIMIT = 500;
/** A level's order count changes on its own (an order replaced by one of the same size) this often per epoch. */
const ORDER_CHURN_SHARE = 1 / 40;
const ORDER_CHURN_EPOCH_MS = 7000;
const MAX_ORDERS = 40;

/** The `{"code":"0","data":[…],"msg":""}` envelope of a successful answer. */
export interface OkxOkBody<T> {
  code: '0';
  data: T[];
  msg: '';
}

function ok<T>(data: T[]): OkxOkBody<T> {
  return { code: '0', data, msg: '' };
}

/** A well-mixed 32-bit hash of two integers (murmur3 finalizer). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) ^ Math.floor(a / 0x1_0000_0000);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `"30244.0"` → `"30244"`, `"0.0800"` → `"0.08"`: OKX writes no trailing zeros [capture]. */
function trimmed(text: string): string {
  if (!text.includes('.')) return text;
  const end = text.replace(/0+$/, '');
  return end.endsWith('.') ? end.slice(0, -1) : end;
}

/** Prints one instrument's simulator ticks, steps and times as OKX's REST text. */
export class OkxRestFormatter {
  readonly instId: string;
  private readonly tickDecimals: number;
  private readonly tickUnits: number;
  private readonly stepDecimals: number;
  private readonly stepUnits: number;
  private readonly medianLevelSteps: number;

  constructor(private readonly profile: SymbolProfile) {
    this.instId = profile.symbol;
    this.tickDecimals = decimalsOf(profile.priceFilter.tickSize);
    this.tickUnits = unitsOf(profile.priceFilter.tickSize, this.tickDecimals);
    this.stepDecimals = decimalsOf(profile.lotSize.stepSize);
    this.stepUnits = unitsOf(profile.lotSize.stepSize, this.stepDecimals);
    this.medianLevelSteps = Math.max(1, profile.levelQty.median / Number(profile.lotSize.stepSize));
  }

  readonly price = cachedFormat((ticks) =>
    trimmed(formatUnits(ticks * this.tickUnits, this.tickDecimals, this.tickDecimals)),
  );

  readonly size = cachedFormat((steps) =>
    trimmed(formatUnits(steps * this.stepUnits, this.stepDecimals, this.stepDecimals)),
  );

  /** A trade as `/market/trades` lists it; `side` is the taker's. */
  trade(trade: SimTrade): OkxRestTrade {
    return {
      instId: this.instId,
      side: trade.buyerIsMaker ? 'sell' : 'buy',
      sz: this.size(trade.qtySteps),
      px: this.price(trade.priceTicks),
      tradeId: String(trade.id),
      ts: String(trade.time),
    };
  }

  /** `/api/v5/market/books?instId=…&sz=…` as served at `serverMs`. */
  books(sim: MarketSimulator, depth: number, serverMs: number): OkxOkBody<OkxRestBook> {
    const epoch = Math.floor(serverMs / ORDER_CHURN_EPOCH_MS);
    return ok([
      {
        asks: this.levels(sim.asks.levels(depth), epoch),
        bids: this.levels(sim.bids.levels(depth), epoch),
        ts: String(serverMs),
      },
    ]);
  }

  /** `/api/v5/public/instruments?instType=SPOT&instId=…`: the real entry with the profile's grid. */
  instruments(): OkxOkBody<OkxRestInstrument> {
    const builtIn = OKX_SPOT_INSTRUMENTS.get(this.instId);
    if (builtIn === undefined) throw new RangeError(`no built-in OKX instrument ${this.instId}`);
    return ok([
      orderedInstrument({
        ...builtIn,
        tickSz: trimmed(this.profile.priceFilter.tickSize),
        lotSz: trimmed(this.profile.lotSize.stepSize),
        minSz: trimmed(this.profile.lotSize.minQty),
      }),
    ]);
  }

  private levels(levels: [number, number][], epoch: number): OkxLevel[] {
    const out = new Array<OkxLevel>(levels.length);
    for (let i = 0; i < levels.length; i++) {
      const [tick, steps] = levels[i];
      out[i] = [this.price(tick), this.size(steps), '0', String(this.orders(tick, steps, epoch))];
    }
    return out;
  }

  /**
   * How many orders rest at a level: more on larger levels, fixed while the size stands, except
   * that now and then one order is replaced by another of the same size plus one more joins.
   */
  private orders(tick: number, steps: number, epoch: number): number {
    const spread = Math.min(steps, MAX_ORDERS, 1 + Math.floor(3 * Math.sqrt(steps / this.medianLevelSteps)));
    const count = 1 + (mix(tick, steps) % spread);
    const churn = mix(tick, epoch) / 0x1_0000_0000 < ORDER_CHURN_SHARE;
    return churn && count < steps ? count + 1 : count;
  }
}

/** The recent tape of one instrument, newest last, as `/market/trades` pages serve it. */
export class OkxTradeTape {
  private readonly tape: OkxRestTrade[] = [];

  constructor(
    private readonly formatter: OkxRestFormatter,
    private readonly limit: number,
  ) {}

  record(trade: SimTrade): void {
    this.tape.push(this.formatter.trade(trade));
    if (this.tape.length > 4 * this.limit) this.tape.splice(0, this.tape.length - this.limit);
  }

  /** The latest `limit` trades, newest first. */
  page(): OkxOkBody<OkxRestTrade> {
    return ok(this.tape.slice(-this.limit).reverse());
  }
}
