import type { Config, Speed } from '../config/schema.js';
import { NotAvailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { ReplayHub } from '../replay/hub.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { ReplayControl } from '../replay/replay-control.js';
import type { ReplaySource } from '../replay/source.js';
import type { FaultStore } from '../replay/faults.js';
import { attachHubFaults } from './faults.js';
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
  /** The run's settings, handed to each venue's endpoint (Alpaca's accepted key pair, limits). */
  config?: Config;
  /** Start paused (`--paused`); `POST /control/replay {"action":"resume"}` starts it. */
  paused?: boolean;
  /** `--fault` rules armed before consumers connect (src/app/faults.ts). */
  faults?: readonly string[];
}

export interface ReplayStack {
  readonly hub: ReplayHub;
  readonly port: number;
  readonly publishers: ReadonlyMap<Exchange, ReplayPublisher>;
  /** Native symbols replayed, per exchange. */
  readonly symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** Canonical symbols replayed, per exchange, in the order of `exchanges`. */
  readonly canonicalSymbols: ReadonlyMap<Exchange, readonly string[]>;
  /** Settles when every publisher has finished (never with `loop`, until closed). */
  readonly finished: Promise<void>;
  /** The armed faults (`/control/faults`). */
  readonly faults: FaultStore;
  close(): Promise<void>;
}

/** The replay hub and one publisher per exchange (in this process for now). */
export async function startReplay(opts: ReplayStackOptions): Promise<ReplayStack> {
  const { logger } = opts;
  const venues = opts.exchanges.map(venueFor);
  const hub = new ReplayHub({ logger });
  const sources = new Map<Exchange, ReplaySource>();
  for (const venue of venues) {
    const exchange = venue.exchange;
    const source = await venue.openSource(opts.root, logger.child({ component: 'replay', exchange }));
    if (source.symbols.length === 0) {
      throw new NotAvailableError(
        `No ${venue.title} recordings under ${opts.root}/${exchange} (expected <root>/${exchange}/<endpoint>/<SYMBOL>/*.jsonl). ` +
          'Run `tickstream generate --data <dir>` or point --data at your recordings.',
      );
    }
    sources.set(exchange, source);
    hub.addVenue(
      venue.createEndpoint({
        logger: logger.child({ exchange }),
        symbols: source.symbols,
        config: opts.config,
      }),
    );
  }
  const symbolsOf = new Map([...sources].map(([e, s]) => [e, s.symbols] as const));
  const faults = attachHubFaults({ hub, symbols: symbolsOf, flags: opts.faults, logger });
  const port = await hub.listen(opts.port, opts.host);

  const abort = new AbortController();
  const publishers = new Map<Exchange, ReplayPublisher>();
  const runs: Promise<void>[] = [];
  for (const [exchange, source] of sources) {
    logger.info({ url: `http://${opts.host}:${port}/${exchange}`, symbols: source.symbols }, 'replaying');
    const publisher = new ReplayPublisher({
      source,
      speed: opts.speed,
      loop: opts.loop,
      paused: opts.paused,
      logger: logger.child({ component: 'publisher', exchange }),
    });
    publishers.set(exchange, publisher);
    runs.push(
      publisher.run(hub, abort.signal).then(
        (stats) =>
          logger.info({ exchange, ...stats }, abort.signal.aborted ? 'replay stopped' : 'replay finished'),
        (err: unknown) => logger.error({ err, exchange }, 'replay publisher failed'),
      ),
    );
  }
  const control = new ReplayControl(publishers);
  hub.addControl((req, res, path) => control.handle(req, res, path));
  const finished = Promise.all(runs).then(() => undefined);
  const symbols = new Map([...sources].map(([e, s]) => [e, s.symbols] as const));
  const canonicalSymbols = new Map(
    [...sources].map(([e, s]) => [e, s.symbols.map((n) => venueFor(e).toCanonical(n))] as const),
  );

  return {
    hub,
    port,
    publishers,
    symbols,
    canonicalSymbols,
    finished,
    faults,
    async close() {
      abort.abort();
      await finished;
      faults.close();
      await hub.close();
    },
  };
}

/** The replay stack as configured: `--data`, or the bundled sample (generated on first use). */
export async function startReplayFromConfig(config: Config, logger: Logger): Promise<ReplayStack> {
  const root = config.data ?? SAMPLE_DATA_DIR;
  if (config.data === undefined) await ensureSampleData(root, config.exchanges, logger);
  return startReplay({
    root,
    exchanges: config.exchanges,
    speed: config.speed,
    loop: config.loop,
    host: config.host,
    port: config.hubPort,
    logger,
    config,
    paused: config.paused,
    faults: config.faults,
  });
}
