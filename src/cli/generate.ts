import { resolve } from 'node:path';
import { SAMPLE_DATA_DIR } from '../app/paths.js';
import { SAMPLE_START_MS } from '../app/sample-data.js';
import { symbolsPerExchange } from '../app/symbols.js';
import { venueFor } from '../exchanges/index.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream generate`: a seeded, deterministic dataset of every chosen venue in the storage layout. */
export async function runGenerate(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'generate');
  const logger = loggerFor(config);
  const root = resolve(config.data ?? SAMPLE_DATA_DIR);
  for (const [exchange, symbols] of symbolsPerExchange(config)) {
    const started = performance.now();
    const summary = await venueFor(exchange).generate({
      root,
      seed: config.seed,
      startMs: SAMPLE_START_MS,
      minutes: config.minutes,
      symbols,
    });
    logger.info(
      {
        root,
        exchange,
        files: summary.files.length,
        ms: Math.round(performance.now() - started),
        seed: config.seed,
      },
      'dataset generated',
    );
  }
  return 0;
}
