import type { BinanceLevel, BinanceRestDepth, BinanceRestTrade } from './wire.js';
import { cachedFormat, decimalsOf, formatUnits, unitsOf } from '../../generate/decimal.js';
import type { MarketSimulator, SimTrade } from '../../generate/market.js';
import type { SymbolProfile } from '../../generate/profiles.js';

/** GET /api/v3/exchangeInfo?symbol=…, with the fields the real response carries. */
export interface BinanceExchangeInfo {
  timezone: string;
  serverTime: number;
  rateLimits: { rateLimitType: string; interval: string; intervalNum: number; limit: number }[];
  exchangeFilters: unknown[];
  symbols: BinanceSymbolInfo[];
}

export interface BinanceSymbolInfo {
  symbol: string;
  status: string;
  baseAsset: string;
  baseAssetPrecision: number;
  quoteAsset: string;
  quotePrecision: number;
  filters: (
    | { filterType: 'PRICE_FILTER'; minPrice: string; maxPrice: string; tickSize: string }
    | { filterType: 'LOT_SIZE'; minQty: string; maxQty: string; stepSize: string }
  )[];
}

/** Binance spot's published limits (unchanged since 2023). */
const RATE_LIMITS: BinanceExchangeInfo['rateLimits'] = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
];

/** The symbol entry, shaped like the real exchangeInfo entries (fixtures/exchangeInfo.json). */
export function symbolInfo(profile: SymbolProfile): BinanceSymbolInfo {
  return {
    symbol: profile.symbol,
    status: 'TRADING',
    baseAsset: profile.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: profile.quoteAsset,
    quotePrecision: 8,
    filters: [
      { filterType: 'PRICE_FILTER', ...profile.priceFilter },
      { filterType: 'LOT_SIZE', ...profile.lotSize },
    ],
  };
}

export function exchangeInfoBody(profile: SymbolProfile, serverTime: number): BinanceExchangeInfo {
  return {
    timezone: 'UTC',
    serverTime,
    rateLimits: RATE_LIMITS,
    exchangeFilters: [],
    symbols: [symbolInfo(profile)],
  };
}

/** Prints simulator ticks and steps as Binance's 8-decimal strings. */
export class BinanceFormatter {
  private readonly tickDecimals: number;
  private readonly tickUnits: number;
  private readonly stepDecimals: number;
  private readonly stepUnits: number;

  constructor(profile: SymbolProfile) {
    this.tickDecimals = decimalsOf(profile.priceFilter.tickSize);
    this.tickUnits = unitsOf(profile.priceFilter.tickSize, this.tickDecimals);
    this.stepDecimals = decimalsOf(profile.lotSize.stepSize);
    this.stepUnits = unitsOf(profile.lotSize.stepSize, this.stepDecimals);
  }

  readonly price = cachedFormat((ticks) => formatUnits(ticks * this.tickUnits, this.tickDecimals));

  readonly qty = cachedFormat((steps) => formatUnits(steps * this.stepUnits, this.stepDecimals));

  quoteQty(ticks: number, steps: number): string {
    const priceUnits = ticks * this.tickUnits;
    const qtyUnits = steps * this.stepUnits;
    const product = priceUnits * qtyUnits;
    const exact = Number.isSafeInteger(product) ? product : BigInt(priceUnits) * BigInt(qtyUnits);
    return formatUnits(exact, this.tickDecimals + this.stepDecimals);
  }

  trade(trade: SimTrade): BinanceRestTrade {
    return {
      id: trade.id,
      price: this.price(trade.priceTicks),
      qty: this.qty(trade.qtySteps),
      quoteQty: this.quoteQty(trade.priceTicks, trade.qtySteps),
      time: trade.time,
      isBuyerMaker: trade.buyerIsMaker,
      isBestMatch: true,
    };
  }

  depth(sim: MarketSimulator, limit: number): BinanceRestDepth {
    return {
      lastUpdateId: sim.lastUpdateId,
      bids: this.levels(sim.bids.levels(limit)),
      asks: this.levels(sim.asks.levels(limit)),
    };
  }

  private levels(levels: [number, number][]): BinanceLevel[] {
    const out = new Array<BinanceLevel>(levels.length);
    for (let i = 0; i < levels.length; i++) out[i] = [this.price(levels[i][0]), this.qty(levels[i][1])];
    return out;
  }
}
