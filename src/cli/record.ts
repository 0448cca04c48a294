/**
 * `tickstream record`: poll every chosen exchange's REST endpoints into the storage layout until
 * Ctrl-C, then finish the writes in flight and close the files. A progress line per venue on a
 * terminal (logs then go to stderr), pino JSON lines on stdout otherwise.
 */
import { resolve } from 'node:path';
import { pino } from 'pino';
import { onShutdownSignal } from '../app/shutdown.js';
import { symbolsPerExchange } from '../app/symbols.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import { intervalFor, parseIntervals } from '../record/intervals.js';
import type { RecordPlan } from '../record/plan.js';
import { ProgressDisplay } from '../record/progress.js';
import { baseUrlOf, Recorder } from '../record/recorder.js';
import { resolveConfig, type CommonFlags } from './commands.js';

/** Where recordings go without `--data`. */
export const DEFAULT_RECORD_DIR = 'data/recorded';

export const INTERVAL_HELP =
  'poll intervals per endpoint key, e.g. trades=2s,depth=500ms,binance.info=10m ' +
  '(keys: depth, trades, info, and quotes, bars for stocks; units ms, s, m, h)';

export const RECORD_HELP = `
Intervals: --interval takes <key>=<duration> pairs, a key for every chosen exchange (trades=2s) or
one exchange (okx.depth=500ms, which wins over depth=). Defaults: the exchange's own cadence
(depth 1-5 s, trades 2-5 s, info 1 h, bars 1 min). Requests stay within each exchange's published
rate limit and weights; a 429/418 holds that exchange for its Retry-After.

Trades: every poll continues the last one (by trade id or time) and a run continues from the
newest trade already recorded under --data; a poll that does not reach back to it is logged and
counted as a gap, and that series is polled sooner.

Example: tickstream record --data ./rec --exchanges binance,okx --symbols BTC/USDT --interval trades=2s
`;

function recordLogger(config: Config, tty: boolean): Logger {
  const options = { level: config.logLevel, base: { app: 'tickstream' } };
  // On a terminal stdout carries the progress display; the log lines go beside it on stderr.
  return tty ? pino(options, pino.destination(2)) : pino(options);
}

/** The chosen venues' plans for their symbols (`--symbols` or each venue's sample ones). */
export function recordPlans(config: Config): RecordPlan[] {
  return [...symbolsPerExchange(config)].map(([exchange, symbols]) => {
    const venue = venueFor(exchange);
    return venue.recordPlan({ symbols: symbols.map((s) => venue.toNative(s)), config });
  });
}

export async function runRecord(flags: CommonFlags): Promise<number> {
  const config = await resolveConfig(flags, 'record');
  const plans = recordPlans(config);
  const intervals = parseIntervals(config.interval, plans);
  const tty = process.stdout.isTTY === true;
  const logger = recordLogger(config, tty);
  const root = resolve(config.data ?? DEFAULT_RECORD_DIR);
  const recorder = await Recorder.start({ root, plans, intervals, upstream: config.upstream, logger });
  for (const plan of plans) {
    logger.info(
      {
        exchange: plan.platform,
        root,
        baseUrl: baseUrlOf(plan, config.upstream),
        symbols: [...new Set(plan.endpoints.flatMap((e) => e.series.map((s) => s.symbol)))],
        intervalsMs: Object.fromEntries(
          plan.endpoints.map((e) => [e.key, intervalFor(intervals, plan.platform, e.key, e.intervalMs)]),
        ),
        rateLimits: plan.rateLimits.map((r) => `${r.name} ${r.limit}/${r.windowMs}ms per ${r.scope}`),
      },
      'recording',
    );
  }
  const display = new ProgressDisplay({
    read: () => recorder.progress(),
    logger,
    tty: tty ? process.stdout : undefined,
  }).start();
  await onShutdownSignal(
    [
      async () => {
        await recorder.stop();
        display.stop();
        logger.info({ root, files: recorder.files.length }, 'recordings closed');
      },
    ],
    logger,
  );
  return 0;
}
