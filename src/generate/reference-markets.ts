/**
 * The reference markets of a seeded sample: the simulated market each base asset's price follows
 * on every venue that carries it (`follows` in dataset.ts), so one sample's BTC trades at one price
 * wherever it is quoted. Calibrated on Binance spot (filters are the strings of its real
 * exchangeInfo) and keyed by Binance's spelling, which also names the simulator's random streams:
 * Binance replays these markets themselves, other venues run a hidden copy and take its path.
 */
import type { SymbolProfile } from './profiles.js';
import { ConfigError } from '../core/errors.js';

const BTC_USDT: SymbolProfile = {
  symbol: 'BTCUSDT',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
  lotSize: { minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
  startPrice: [62_000, 98_000],
  volPerSecond: 3e-5,
  takerOrdersPerSecond: 4,
  takerQty: { median: 0.0025, sigma: 1.9 },
  levelQty: { median: 0.03, sigma: 1.8, wallProbability: 0.02, wallMin: 2, wallMax: 12 },
  levelGapTicks: { top: 5, deep: 25 },
  firstTradeId: 3_500_000_000,
  firstUpdateId: 71_000_000_000,
};

const ETH_USDT: SymbolProfile = {
  symbol: 'ETHUSDT',
  baseAsset: 'ETH',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
  lotSize: { minQty: '0.00010000', maxQty: '9000.00000000', stepSize: '0.00010000' },
  startPrice: [2_000, 4_000],
  volPerSecond: 4e-5,
  takerOrdersPerSecond: 3,
  takerQty: { median: 0.04, sigma: 1.9 },
  levelQty: { median: 0.5, sigma: 1.8, wallProbability: 0.02, wallMin: 30, wallMax: 150 },
  levelGapTicks: { top: 2, deep: 8 },
  firstTradeId: 1_800_000_000,
  firstUpdateId: 52_000_000_000,
};

/** Canonical pair → its reference market. */
const REFERENCE_MARKETS: ReadonlyMap<string, SymbolProfile> = new Map([
  ['BTC/USDT', BTC_USDT],
  ['ETH/USDT', ETH_USDT],
]);

/** The reference market of a canonical pair; a ConfigError names the pairs that have one. */
export function referenceMarket(pair: string): SymbolProfile {
  const market = REFERENCE_MARKETS.get(pair);
  if (market !== undefined) return market;
  throw new ConfigError(
    `no reference market for ${pair}; the seeded sample has ${[...REFERENCE_MARKETS.keys()].join(', ')}`,
  );
}

/** Quotes the simulation holds at par with USDT: a pair quoted in any of them follows its base's USDT market. */
const USD_PEGGED: ReadonlySet<string> = new Set(['USD', 'USDT', 'USDC']);

/**
 * What a venue's canonical `pair` follows in a seeded sample (its `SymbolRecorder.follows`): the
 * pair's reference market, or the USDT one of its base when quoted in a USD-pegged currency
 * (Kraken's BTC/USD follows BTC/USDT); undefined when none applies.
 */
export function referenceFor(
  pair: string,
): { readonly symbol: string; readonly profile: SymbolProfile } | undefined {
  const [base, quote] = pair.split('/');
  const market =
    REFERENCE_MARKETS.get(pair) ??
    (quote !== undefined && USD_PEGGED.has(quote) ? REFERENCE_MARKETS.get(`${base}/USDT`) : undefined);
  return market === undefined ? undefined : { symbol: market.symbol, profile: market };
}
