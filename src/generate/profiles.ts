import { ConfigError } from '../core/errors.js';

/**
 * What the simulator needs to know about one symbol of one venue: the venue's price and
 * quantity grid (as the venue's own metadata writes it) and the simulator's calibration, chosen
 * to look like the live market. Each venue folder holds its own profiles.
 */
export interface SymbolProfile {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly priceFilter: { readonly minPrice: string; readonly maxPrice: string; readonly tickSize: string };
  readonly lotSize: { readonly minQty: string; readonly maxQty: string; readonly stepSize: string };
  /** The run starts at a price drawn uniformly from this range. */
  readonly startPrice: readonly [min: number, max: number];
  /** Unconditional standard deviation of 1-second log returns. */
  readonly volPerSecond: number;
  /** Mean arrival rate of taker orders per second; each fills one or more trades. */
  readonly takerOrdersPerSecond: number;
  /** Taker order size, base asset, log-normal. */
  readonly takerQty: { readonly median: number; readonly sigma: number };
  /** Resting size of a level, base asset: log-normal, with occasional large "walls". */
  readonly levelQty: {
    readonly median: number;
    readonly sigma: number;
    readonly wallProbability: number;
    readonly wallMin: number;
    readonly wallMax: number;
  };
  /** Mean distance between adjacent levels in ticks: at the top of the book and 100 levels deep. */
  readonly levelGapTicks: { readonly top: number; readonly deep: number };
  /**
   * Levels the simulator keeps a side (default 150, enough for 100-level snapshots); set it above
   * the deepest snapshot the venue serves (OKX: 400 a side).
   */
  readonly bookLevels?: number;
  /** Approximate trade id and book update id of the live market, to start the counters near. */
  readonly firstTradeId: number;
  readonly firstUpdateId: number;
}

/** The profile of `symbol` in a venue's table; a ConfigError lists the supported ones otherwise. */
export function profileIn(
  profiles: ReadonlyMap<string, SymbolProfile>,
  symbol: string,
  venue: string,
): SymbolProfile {
  const profile = profiles.get(symbol) ?? profiles.get(symbol.toUpperCase());
  if (profile === undefined) {
    const known = [...profiles.keys()].join(', ');
    throw new ConfigError(`generate: no ${venue} market profile for symbol "${symbol}"; supported: ${known}`);
  }
  return profile;
}
