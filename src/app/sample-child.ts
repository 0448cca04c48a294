/**
 * A child process generating one symbol of one venue's sample (forked by sample-data.ts): the
 * symbols' samples are independent, so a first `start` generates them side by side on every core.
 */
import type { Exchange } from '../core/types.js';
import { generateSample } from './sample-data.js';

const [root, exchange, symbol] = process.argv.slice(2) as [string, Exchange, string];
try {
  const summary = await generateSample(root, exchange, [symbol]);
  process.send?.({ files: summary.files.length });
  process.disconnect?.();
} catch (err) {
  process.stderr.write(
    `generating the ${exchange} sample of ${symbol} under ${root}: ${(err as Error).message}\n`,
  );
  process.exitCode = 1;
}
