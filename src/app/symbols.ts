import type { Config } from '../config/schema.js';
import { ConfigError } from '../core/errors.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';

/**
 * What to ingest per exchange: `--symbols` on every exchange, or else each venue's sample symbols.
 * A listed symbol that one of the exchanges cannot spell is refused here, with the way out.
 */
export function symbolsPerExchange(
  config: Pick<Config, 'exchanges' | 'symbols'>,
): Map<Exchange, readonly string[]> {
  const listed = config.symbols;
  if (listed !== undefined) for (const e of config.exchanges) checkSymbols(e, listed);
  return new Map(config.exchanges.map((e) => [e, listed ?? venueFor(e).sampleSymbols] as const));
}

function checkSymbols(exchange: Exchange, symbols: readonly string[]): void {
  const venue = venueFor(exchange);
  for (const symbol of symbols) {
    try {
      venue.toNative(symbol);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ConfigError(
        `"symbols" applies to every exchange, and ${venue.title} has no pair ${symbol} (${why}); ` +
          'name the exchanges it is for with --exchanges',
        { cause: err },
      );
    }
  }
}

/** Every symbol of any exchange, once, in first-seen order (the gateway's price pairs). */
export function allSymbols(perExchange: ReadonlyMap<Exchange, readonly string[]>): string[] {
  return [...new Set([...perExchange.values()].flat())];
}
