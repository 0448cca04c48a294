import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';

export const SAMPLE_SEED = 'tickstream-sample';
export const SAMPLE_MINUTES = 30;
/**
 * Sample market time starts here (a fixed instant keeps the sample identical on every machine):
 * Monday 2026-01-05 09:30 New York, the US stock open, so stocks trade from the first second.
 */
export const SAMPLE_START_MS = Date.UTC(2026, 0, 5, 14, 30, 0);

/** Make sure `root` holds recordings of every venue; generate the seeded sample of those that have none. */
export async function ensureSampleData(
  root: string,
  exchanges: readonly Exchange[],
  logger: Logger,
): Promise<void> {
  for (const exchange of exchanges) {
    const venue = venueFor(exchange);
    const existing = await venue.openSource(root, logger);
    if (existing.symbols.length > 0) continue;
    logger.info(
      { root, exchange, minutes: SAMPLE_MINUTES, symbols: venue.sampleSymbols },
      'no recordings found: generating the sample',
    );
    const summary = await venue.generate({
      root,
      seed: SAMPLE_SEED,
      startMs: SAMPLE_START_MS,
      minutes: SAMPLE_MINUTES,
      symbols: venue.sampleSymbols,
    });
    logger.info({ root, exchange, files: summary.files.length }, 'sample recordings generated');
  }
}
