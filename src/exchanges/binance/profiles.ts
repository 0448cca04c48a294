/**
 * Simulator profiles of Binance spot symbols: the exchange filters are the strings of the real
 * exchangeInfo (fixtures/exchangeInfo.json); the rest is the simulator's calibration.
 */
import { profileIn, type SymbolProfile } from '../../generate/profiles.js';
import { referenceMarket } from '../../generate/reference-markets.js';

// Binance's BTCUSDT and ETHUSDT are the reference markets other venues' pairs follow.
const BTCUSDT = referenceMarket('BTC/USDT');
const ETHUSDT = referenceMarket('ETH/USDT');

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
