import type { Config } from '../config/schema.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';

/** What to ingest per exchange: `--symbols` on every exchange, or else each venue's sample symbols. */
export function symbolsPerExchange(
  config: Pick<Config, 'exchanges' | 'symbols'>,
): Map<Exchange, readonly string[]> {
  return new Map(config.exchanges.map((e) => [e, config.symbols ?? venueFor(e).sampleSymbols] as const));
}

/** Every symbol of any exchange, once, in first-seen order (the gateway's price pairs). */
export function allSymbols(perExchange: ReadonlyMap<Exchange, readonly string[]>): string[] {
  return [...new Set([...perExchange.values()].flat())];
}
