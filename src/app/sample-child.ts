/**
 * A child process generating one venue's sample (forked by sample-data.ts): the venues' samples
 * are independent, so a first `start` generates them side by side on every core.
 */
import type { Exchange } from '../core/types.js';
import { generateSample } from './sample-data.js';

const [root, exchange] = process.argv.slice(2) as [string, Exchange];
try {
  const summary = await generateSample(root, exchange);
  process.send?.({ files: summary.files.length });
  process.disconnect?.();
} catch (err) {
  process.stderr.write(`generating the ${exchange} sample under ${root}: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
