import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { VenueGenerateSummary } from '../exchanges/venue.js';

export const SAMPLE_SEED = 'tickstream-sample';
export const SAMPLE_MINUTES = 30;
/**
 * Sample market time starts here (a fixed instant keeps the sample identical on every machine):
 * Monday 2026-01-05 09:30 New York, the US stock open, so stocks trade from the first second.
 */
export const SAMPLE_START_MS = Date.UTC(2026, 0, 5, 14, 30, 0);

/** The seeded sample of one venue, written under `root`. */
export function generateSample(root: string, exchange: Exchange): Promise<VenueGenerateSummary> {
  const venue = venueFor(exchange);
  return venue.generate({
    root,
    seed: SAMPLE_SEED,
    startMs: SAMPLE_START_MS,
    minutes: SAMPLE_MINUTES,
    symbols: venue.sampleSymbols,
  });
}

/** The forked script: sample-child beside this module (.ts under tsx, .js once built). */
function childScript(): { path: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  return {
    path: fileURLToPath(new URL(`./sample-child.${ts ? 'ts' : 'js'}`, import.meta.url)),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}

function generateInChild(root: string, exchange: Exchange): Promise<number> {
  const { path, execArgv } = childScript();
  return new Promise((resolve, reject) => {
    const child = fork(path, [root, exchange], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let files: number | undefined;
    child.once('message', (m: { files: number }) => (files = m.files));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      files !== undefined
        ? resolve(files)
        : reject(new Error(`generating the ${exchange} sample: its process exited with ${signal ?? code}`)),
    );
  });
}

/**
 * Make sure `root` holds recordings of every venue; generate the seeded sample of those that have
 * none, each in a process of its own, all at once.
 */
export async function ensureSampleData(
  root: string,
  exchanges: readonly Exchange[],
  logger: Logger,
): Promise<void> {
  const missing: Exchange[] = [];
  for (const exchange of exchanges) {
    const existing = await venueFor(exchange).openSource(root, logger);
    if (existing.symbols.length === 0) missing.push(exchange);
  }
  if (missing.length === 0) return;
  const generateOne = async (exchange: Exchange): Promise<void> => {
    logger.info(
      { root, exchange, minutes: SAMPLE_MINUTES, symbols: venueFor(exchange).sampleSymbols },
      'no recordings found: generating the sample',
    );
    const files = await generateInChild(root, exchange);
    logger.info({ root, exchange, files }, 'sample recordings generated');
  };
  // All at once: the OS shares the cores, and the slowest venue starts without waiting its turn.
  await Promise.all(missing.map(generateOne));
}
