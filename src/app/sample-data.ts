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

/**
 * The seeded sample of one venue (or of some of its sample symbols), written under `root`. Each
 * symbol's market is seeded on its own, so symbols generated apart give the same files.
 */
export function generateSample(
  root: string,
  exchange: Exchange,
  symbols: readonly string[] = venueFor(exchange).sampleSymbols,
): Promise<VenueGenerateSummary> {
  return venueFor(exchange).generate({
    root,
    seed: SAMPLE_SEED,
    startMs: SAMPLE_START_MS,
    minutes: SAMPLE_MINUTES,
    symbols,
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

function generateInChild(root: string, exchange: Exchange, symbol: string): Promise<number> {
  const { path, execArgv } = childScript();
  return new Promise((resolve, reject) => {
    const child = fork(path, [root, exchange, symbol], {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let files: number | undefined;
    child.once('message', (m: { files: number }) => (files = m.files));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      files !== undefined
        ? resolve(files)
        : reject(
            new Error(
              `generating the ${exchange} sample of ${symbol}: its process exited with ${signal ?? code}`,
            ),
          ),
    );
  });
}

/**
 * Make sure `root` holds recordings of every venue; generate the seeded sample of those that have
 * none, one process per symbol, all at once (the OS shares the cores; the largest venue does
 * not wait for the others).
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
    const symbols = venueFor(exchange).sampleSymbols;
    const counts = await Promise.all(symbols.map((symbol) => generateInChild(root, exchange, symbol)));
    const files = counts.reduce((a, b) => a + b, 0);
    logger.info({ root, exchange, files }, 'sample recordings generated');
  };
  await Promise.all(missing.map(generateOne));
}
