/**
 * What a subscription source asks for: a canonical symbol on one exchange, or on every exchange
 * that lists it. A catalog says which exchanges list a symbol.
 */
import type { Exchange } from '../../core/types.js';

export interface SymbolWant {
  /** Canonical (`BTC/USDT`, `AAPL`). */
  readonly symbol: string;
  /** One exchange; undefined: every exchange that lists the symbol (an aggregated stream). */
  readonly exchange?: Exchange;
}

/** Which ingested exchanges list a symbol. */
export interface SymbolCatalog {
  /** The exchanges, in priority order, that carry `symbol` (canonical); empty when none does. */
  listedOn(symbol: string): readonly Exchange[];
}

/** A catalog of known listings: each exchange's canonical symbols, the map's order the priority. */
export function catalogOf(listings: ReadonlyMap<Exchange, readonly string[]>): SymbolCatalog {
  const sets = [...listings].map(([exchange, symbols]) => [exchange, new Set(symbols)] as const);
  return {
    listedOn: (symbol) => sets.filter(([, set]) => set.has(symbol)).map(([exchange]) => exchange),
  };
}

/** `binance|BTC/USDT`, or `*|BTC/USDT` for every listing exchange: one key per distinct want. */
export function wantKey(want: SymbolWant): string {
  return (want.exchange ?? '*') + '|' + want.symbol;
}
