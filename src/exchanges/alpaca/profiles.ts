/**
 * The market simulator's profiles of the US stocks the Alpaca sample holds (AAPL, MSFT, SPY) and
 * the facts of their listing the recordings print. The grid is the US equities one: price tick
 * $0.01 (Reg NMS sub-penny rule for prices ≥ $1) and whole shares; a round lot is 100 shares, and
 * smaller trades carry the odd-lot condition `I` [doc: Alpaca/CTA condition code tables]. Tape `C`
 * for Nasdaq-listed AAPL and MSFT, `B` for SPY (listed on NYSE Arca) [doc]. Prices, volatility,
 * activity and the exchanges' shares of trades and quotes are calibration chosen to look like a
 * 2026 session [unconfirmed, by eye]; trade rates are far below the real tape (tens of trades a
 * second) so that a sample stays small.
 */
import { profileIn, type SymbolProfile } from '../../generate/profiles.js';

/** A profile and the listing facts of one stock. */
export interface AlpacaStock {
  readonly profile: SymbolProfile;
  /** `z` of every trade and quote. */
  readonly tape: 'A' | 'B' | 'C';
}

/** A stock's profile on the US equities grid. */
function stock(
  symbol: string,
  startPrice: readonly [number, number],
  calibration: Pick<SymbolProfile, 'volPerSecond' | 'takerOrdersPerSecond' | 'takerQty' | 'levelQty'>,
): SymbolProfile {
  return {
    symbol,
    baseAsset: symbol,
    quoteAsset: 'USD',
    priceFilter: { minPrice: '0.01', maxPrice: '100000', tickSize: '0.01' },
    lotSize: { minQty: '1', maxQty: '1000000', stepSize: '1' },
    startPrice,
    levelGapTicks: { top: 1, deep: 2 },
    firstTradeId: 1,
    firstUpdateId: 1,
    ...calibration,
  };
}

const AAPL = stock('AAPL', [255, 275], {
  volPerSecond: 1.1e-4,
  takerOrdersPerSecond: 1.6,
  takerQty: { median: 60, sigma: 1.3 },
  levelQty: { median: 300, sigma: 1.0, wallProbability: 0.02, wallMin: 2_000, wallMax: 8_000 },
});

const MSFT = stock('MSFT', [460, 500], {
  volPerSecond: 1.0e-4,
  takerOrdersPerSecond: 1.2,
  takerQty: { median: 40, sigma: 1.3 },
  levelQty: { median: 200, sigma: 1.0, wallProbability: 0.02, wallMin: 1_500, wallMax: 6_000 },
});

const SPY = stock('SPY', [665, 695], {
  volPerSecond: 0.7e-4,
  takerOrdersPerSecond: 2,
  takerQty: { median: 80, sigma: 1.4 },
  levelQty: { median: 600, sigma: 1.0, wallProbability: 0.03, wallMin: 5_000, wallMax: 20_000 },
});

const STOCKS: readonly AlpacaStock[] = [
  { profile: AAPL, tape: 'C' },
  { profile: MSFT, tape: 'C' },
  { profile: SPY, tape: 'B' },
];

export const ALPACA_PROFILES: ReadonlyMap<string, SymbolProfile> = new Map(
  STOCKS.map((s) => [s.profile.symbol, s.profile]),
);

/** The stock `symbol` (`AAPL`); a ConfigError lists the supported ones otherwise. */
export function alpacaStockFor(symbol: string): AlpacaStock {
  const profile = profileIn(ALPACA_PROFILES, symbol, 'Alpaca');
  return STOCKS.find((s) => s.profile === profile)!;
}

/**
 * Exchange codes [doc: Alpaca's exchange code table] with their share of a stock's trades: most
 * volume prints off-exchange (`D`, the FINRA ADF / TRFs), the rest on the lit venues.
 */
export const TRADE_VENUES: readonly (readonly [code: string, weight: number])[] = [
  ['D', 0.38],
  ['Q', 0.16],
  ['K', 0.08],
  ['Z', 0.07],
  ['P', 0.08],
  ['N', 0.06],
  ['V', 0.04],
  ['J', 0.04],
  ['Y', 0.03],
  ['X', 0.02],
  ['H', 0.02],
  ['U', 0.02],
];

/** The lit exchanges whose quotes make the NBBO (the ADF `D` quotes nothing in these symbols). */
export const QUOTE_VENUES: readonly (readonly [code: string, weight: number])[] = TRADE_VENUES.filter(
  ([code]) => code !== 'D',
);
