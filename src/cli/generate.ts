import { resolve } from 'node:path';
import { SAMPLE_DATA_DIR } from '../app/paths.js';
import { SAMPLE_START_MS } from '../app/sample-data.js';
import { toBinanceSymbol } from '../exchanges/binance/symbols.js';
import { generateBinanceDataset } from '../generate/binance.js';
import { loggerFor, resolveConfig, type CommonFlags } from './commands.js';

/** `tickstream generate`: a seeded, deterministic Binance dataset in the storage layout. */
export async function runGenerate(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'generate');
  const logger = loggerFor(config);
  const root = resolve(config.data ?? SAMPLE_DATA_DIR);
  const symbols = config.symbols.map(toBinanceSymbol);
  const started = performance.now();
  const summary = await generateBinanceDataset({
    root,
    seed: config.seed,
    startMs: SAMPLE_START_MS,
    minutes: config.minutes,
    symbols,
  });
  logger.info(
    { root, files: summary.files.length, ms: Math.round(performance.now() - started), seed: config.seed },
    'dataset generated',
  );
  return 0;
}
