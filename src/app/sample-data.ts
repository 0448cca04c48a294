import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { VenueGenerateSummary } from '../exchanges/venue.js';

export const SAMPLE_SEED = 'tickstream-sample';
export const SAMPLE_MINUTES = 10;
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

interface SampleJob {
  readonly root: string;
  readonly exchange: Exchange;
  readonly symbol: string;
}

type JobAnswer = { ok: true; files: number } | { ok: false; error: string };

/**
 * Run `jobs` on `workers` forked sample-child processes, each taking the next job when it is
 * done with one; `done` is told each job's file count. Rejects on the first failure.
 */
async function runPool(
  jobs: readonly SampleJob[],
  workers: number,
  done: (job: SampleJob, files: number) => void,
): Promise<void> {
  const { path, execArgv } = childScript();
  const queue = [...jobs];
  const worker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = fork(path, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current: SampleJob | undefined;
      let failed = false;
      const next = (): void => {
        current = queue.shift();
        if (current === undefined) child.disconnect();
        else child.send(current);
      };
      child.on('message', (answer: JobAnswer) => {
        const job = current;
        if (job === undefined) return;
        if (!answer.ok) {
          failed = true;
          child.kill();
          reject(new Error(`generating the ${job.exchange} sample of ${job.symbol}: ${answer.error}`));
          return;
        }
        done(job, answer.files);
        next();
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (failed) return;
        if (current === undefined) resolve();
        else
          reject(
            new Error(
              `generating the ${current.exchange} sample of ${current.symbol}: its process exited with ${signal ?? code}`,
            ),
          );
      });
      next();
    });
  const count = Math.max(1, Math.min(workers, queue.length));
  await Promise.all(Array.from({ length: count }, worker));
}

/** Rough cost of a venue's sample symbol relative to the others (OKX's 400-level books are the largest). */
const SAMPLE_WEIGHT: Readonly<Record<Exchange, number>> = { okx: 4, kraken: 3, binance: 3, alpaca: 2 };

/**
 * Make sure `root` holds recordings of every venue; generate the seeded sample of those that have
 * none, one symbol at a time on each of a pool of processes, one per core (more would only
 * share the cores and pay each process's start-up).
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
  const jobs: SampleJob[] = [];
  const left = new Map<Exchange, { symbols: number; files: number }>();
  for (const exchange of missing) {
    const symbols = venueFor(exchange).sampleSymbols;
    logger.info(
      { root, exchange, minutes: SAMPLE_MINUTES, symbols },
      'no recordings found: generating the sample',
    );
    left.set(exchange, { symbols: symbols.length, files: 0 });
    for (const symbol of symbols) jobs.push({ root, exchange, symbol });
  }
  // Largest first, so no big job starts last and holds up the rest.
  jobs.sort((a, b) => SAMPLE_WEIGHT[b.exchange] - SAMPLE_WEIGHT[a.exchange]);
  await runPool(jobs, availableParallelism(), (job, files) => {
    const venue = left.get(job.exchange);
    if (venue === undefined) return;
    venue.files += files;
    if (--venue.symbols === 0)
      logger.info({ root, exchange: job.exchange, files: venue.files }, 'sample recordings generated');
  });
}
