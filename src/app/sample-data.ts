import { generateBinanceDataset } from '../generate/binance.js';
import type { Logger } from '../core/logger.js';
import { listSymbols } from '../storage/layout.js';

export const SAMPLE_SEED = 'tickstream-sample';
export const SAMPLE_SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
export const SAMPLE_MINUTES = 30;
/** Sample market time starts here (a fixed instant keeps the sample identical on every machine). */
export const SAMPLE_START_MS = Date.UTC(2026, 0, 5, 14, 0, 0);

/** Make sure `root` holds Binance recordings; generate the seeded sample there if it holds none. */
export async function ensureSampleData(root: string, logger: Logger): Promise<void> {
  const existing = await listSymbols(root, 'binance', 'api_v3_depth');
  if (existing.length > 0) return;
  logger.info(
    { root, minutes: SAMPLE_MINUTES, symbols: SAMPLE_SYMBOLS },
    'no recordings found: generating the sample',
  );
  const summary = await generateBinanceDataset({
    root,
    seed: SAMPLE_SEED,
    startMs: SAMPLE_START_MS,
    minutes: SAMPLE_MINUTES,
    symbols: SAMPLE_SYMBOLS,
  });
  logger.info({ root, files: summary.files.length }, 'sample recordings generated');
}
