import type { Config, Speed } from '../config/schema.js';
import { NotAvailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { createBinanceVenue } from '../exchanges/binance/hub.js';
import { BinanceReplaySource } from '../exchanges/binance/replay-source.js';
import { ReplayHub } from '../replay/hub.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { SAMPLE_DATA_DIR } from './paths.js';
import { ensureSampleData } from './sample-data.js';

export interface ReplayStackOptions {
  root: string;
  exchanges: readonly Exchange[];
  speed: Speed;
  loop: boolean;
  host: string;
  port: number;
  logger: Logger;
}

export interface ReplayStack {
  readonly hub: ReplayHub;
  readonly port: number;
  readonly publishers: ReadonlyMap<Exchange, ReplayPublisher>;
  /** Native symbols replayed, per exchange. */
  readonly symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** Settles when every publisher has finished (never with `loop`, until closed). */
  readonly finished: Promise<void>;
  close(): Promise<void>;
}

/** The replay hub and one publisher per exchange (in this process for now). */
export async function startReplay(opts: ReplayStackOptions): Promise<ReplayStack> {
  const { logger } = opts;
  const unsupported = opts.exchanges.filter((e) => e !== 'binance');
  if (unsupported.length > 0) {
    throw new NotAvailableError(
      `Replay of ${unsupported.join(', ')} is not available yet: this build replays binance. Use --exchanges binance.`,
    );
  }
  const source = await BinanceReplaySource.open(
    opts.root,
    logger.child({ component: 'replay', exchange: 'binance' }),
  );
  if (source.symbols.length === 0) {
    throw new NotAvailableError(
      `No Binance recordings under ${opts.root}/binance (expected <root>/binance/api_v3_depth/<SYMBOL>/*.jsonl). ` +
        'Run `tickstream generate --data <dir>` or point --data at your recordings.',
    );
  }
  const hub = new ReplayHub({ logger });
  hub.addVenue(
    createBinanceVenue({ logger: logger.child({ exchange: 'binance' }), symbols: source.symbols }),
  );
  const port = await hub.listen(opts.port, opts.host);
  logger.info({ url: `http://${opts.host}:${port}`, symbols: source.symbols }, 'replaying');

  const publisher = new ReplayPublisher({
    source,
    speed: opts.speed,
    loop: opts.loop,
    logger: logger.child({ component: 'publisher', exchange: 'binance' }),
  });
  const abort = new AbortController();
  const finished = publisher.run(hub, abort.signal).then(
    (stats) =>
      logger.info(
        { exchange: 'binance', ...stats },
        abort.signal.aborted ? 'replay stopped' : 'replay finished',
      ),
    (err: unknown) => logger.error({ err, exchange: 'binance' }, 'replay publisher failed'),
  );

  return {
    hub,
    port,
    publishers: new Map([['binance', publisher]]),
    symbols: new Map([['binance', source.symbols]]),
    finished,
    async close() {
      abort.abort();
      await finished;
      await hub.close();
    },
  };
}

/** The replay stack as configured: `--data`, or the bundled sample (generated on first use). */
export async function startReplayFromConfig(config: Config, logger: Logger): Promise<ReplayStack> {
  const root = config.data ?? SAMPLE_DATA_DIR;
  if (config.data === undefined) await ensureSampleData(root, logger);
  return startReplay({
    root,
    exchanges: config.exchanges,
    speed: config.speed,
    loop: config.loop,
    host: config.host,
    port: config.hubPort,
    logger,
  });
}
