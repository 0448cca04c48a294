/**
 * The market simulator's profiles of the OKX SPOT instruments, keyed by instId. The grid is the
 * real instruments entry's (fixtures/instruments-spot.json [capture]): price tick = `tickSz`,
 * quantity step = `lotSz`, minimum = `minSz`; `maxQty` only bounds the simulation (OKX's own
 * `maxLmtSz` is 10^10). The simulator keeps 460 levels a side so that the 400-level `books`
 * snapshot has levels scrolling in and out at its deep end. The rest is calibration chosen to look
 * like the 2022 BTC-USDT capture (1-tick spread, 400 levels spanning ~1.3 % of the price, most
 * levels one to a few orders) [capture, by eye].
 */
import { profileIn, type SymbolProfile } from '../../generate/profiles.js';

/** Levels a side the simulator keeps: above the 400 a `books` snapshot shows. */
const OKX_SIM_LEVELS = 460;

const BTC_USDT: SymbolProfile = {
  symbol: 'BTC-USDT',
  baseAsset: 'BTC',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.1', maxPrice: '1000000', tickSize: '0.1' },
  lotSize: { minQty: '0.00001', maxQty: '10000', stepSize: '0.00000001' },
  startPrice: [62_000, 98_000],
  volPerSecond: 3e-5,
  takerOrdersPerSecond: 3,
  takerQty: { median: 0.002, sigma: 1.9 },
  levelQty: { median: 0.05, sigma: 1.9, wallProbability: 0.02, wallMin: 1, wallMax: 8 },
  levelGapTicks: { top: 3, deep: 22 },
  bookLevels: OKX_SIM_LEVELS,
  firstTradeId: 600_000_000,
  firstUpdateId: 10_000_000_000,
};

const ETH_USDT: SymbolProfile = {
  symbol: 'ETH-USDT',
  baseAsset: 'ETH',
  quoteAsset: 'USDT',
  priceFilter: { minPrice: '0.01', maxPrice: '100000', tickSize: '0.01' },
  lotSize: { minQty: '0.001', maxQty: '100000', stepSize: '0.000001' },
  startPrice: [2_000, 4_000],
  volPerSecond: 4e-5,
  takerOrdersPerSecond: 2,
  takerQty: { median: 0.03, sigma: 1.9 },
  levelQty: { median: 0.8, sigma: 1.8, wallProbability: 0.02, wallMin: 20, wallMax: 120 },
  levelGapTicks: { top: 2, deep: 10 },
  bookLevels: OKX_SIM_LEVELS,
  firstTradeId: 400_000_000,
  firstUpdateId: 8_000_000_000,
};

export const OKX_PROFILES: ReadonlyMap<string, SymbolProfile> = new Map(
  [BTC_USDT, ETH_USDT].map((p) => [p.symbol, p]),
);

/** The profile of an instId (`BTC-USDT`); a ConfigError lists the supported ones otherwise. */
export function okxProfileFor(instId: string): SymbolProfile {
  return profileIn(OKX_PROFILES, instId, 'OKX');
}
