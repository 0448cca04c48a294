import { profileIn, type SymbolProfile } from '../../generate/profiles.js';

/**
 * The market simulator's profiles of the Kraken pairs, keyed by v2 symbol. The grid follows the
 * real AssetPairs entries (tick 10^-pair_decimals, step 10^-lot_decimals, minimum = `ordermin`;
 * Kraken has no maximum order, so `maxQty` only bounds the simulation); the rest is calibration
 * chosen to look like Kraken's book and tape (BTC/USD prints ~1.5 trades a second).
 */
const BTC_USD: SymbolProfile = {
  symbol: 'BTC/USD',
  baseAsset: 'BTC',
  quoteAsset: 'USD',
  priceFilter: { minPrice: '0.1', maxPrice: '1000000.0', tickSize: '0.1' },
  lotSize: { minQty: '0.0002', maxQty: '10000.00000000', stepSize: '0.00000001' },
  startPrice: [62_000, 98_000],
  volPerSecond: 3e-5,
  takerOrdersPerSecond: 2,
  takerQty: { median: 0.002, sigma: 1.9 },
  levelQty: { median: 0.1, sigma: 1.8, wallProbability: 0.02, wallMin: 2, wallMax: 10 },
  levelGapTicks: { top: 4, deep: 20 },
  firstTradeId: 100_000_000,
  firstUpdateId: 1_000_000_000,
};

const ETH_USD: SymbolProfile = {
  symbol: 'ETH/USD',
  baseAsset: 'ETH',
  quoteAsset: 'USD',
  priceFilter: { minPrice: '0.01', maxPrice: '100000.00', tickSize: '0.01' },
  lotSize: { minQty: '0.005', maxQty: '100000.00000000', stepSize: '0.00000001' },
  startPrice: [2_000, 4_000],
  volPerSecond: 4e-5,
  takerOrdersPerSecond: 0.8,
  takerQty: { median: 0.03, sigma: 1.9 },
  levelQty: { median: 1, sigma: 1.8, wallProbability: 0.02, wallMin: 20, wallMax: 100 },
  levelGapTicks: { top: 3, deep: 12 },
  firstTradeId: 60_000_000,
  firstUpdateId: 1_000_000_000,
};

export const KRAKEN_PROFILES: ReadonlyMap<string, SymbolProfile> = new Map(
  [BTC_USD, ETH_USD].map((p) => [p.symbol, p]),
);

/** The profile of a v2 symbol (`BTC/USD`); a ConfigError lists the supported ones otherwise. */
export function krakenProfileFor(symbol: string): SymbolProfile {
  return profileIn(KRAKEN_PROFILES, symbol, 'Kraken');
}
