/**
 * Simulator profiles of Binance spot symbols: the exchange filters are the strings of the real
 * exchangeInfo (fixtures/exchangeInfo.json); the rest is the simulator's calibration.
 */
import { profileIn, type SymbolProfile } from '../../generate/profiles.js';

const BTCUSDT: SymbolProfile = {
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

const ETHUSDT: SymbolProfile = {
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

const SOLUSDT: SymbolProfile = {
  symbol: 'SOLUSDT',
  baseAsset: 'SOL',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.01000000', maxPrice: '10000.00000000', tickSize: '0.01000000' },
  lotSize: { minQty: '0.01000000', maxQty: '90000.00000000', stepSize: '0.01000000' },
  startPrice: [120, 220],
  volPerSecond: 5e-5,
  takerOrdersPerSecond: 2,
  takerQty: { median: 0.8, sigma: 1.8 },
  levelQty: { median: 15, sigma: 1.6, wallProbability: 0.02, wallMin: 300, wallMax: 2_000 },
  levelGapTicks: { top: 1.3, deep: 3 },
  firstTradeId: 1_100_000_000,
  firstUpdateId: 25_000_000_000,
};

const BNBUSDT: SymbolProfile = {
  symbol: 'BNBUSDT',
  baseAsset: 'BNB',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.10000000', maxPrice: '100000.00000000', tickSize: '0.10000000' },
  lotSize: { minQty: '0.00100000', maxQty: '900000.00000000', stepSize: '0.00100000' },
  startPrice: [500, 700],
  volPerSecond: 3.5e-5,
  takerOrdersPerSecond: 1.5,
  takerQty: { median: 0.05, sigma: 1.8 },
  levelQty: { median: 1.5, sigma: 1.6, wallProbability: 0.02, wallMin: 50, wallMax: 300 },
  levelGapTicks: { top: 1.2, deep: 2 },
  firstTradeId: 1_050_000_000,
  firstUpdateId: 13_000_000_000,
};

export const BINANCE_PROFILES: ReadonlyMap<string, SymbolProfile> = new Map(
  [BTCUSDT, ETHUSDT, SOLUSDT, BNBUSDT].map((p) => [p.symbol, p]),
);

/** The profile of a native symbol (`BTCUSDT`); a ConfigError lists the supported ones otherwise. */
export function binanceProfileFor(symbol: string): SymbolProfile {
  return profileIn(BINANCE_PROFILES, symbol, 'Binance');
}
