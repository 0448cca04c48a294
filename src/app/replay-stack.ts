import type { Config, Speed } from '../config/schema.js';
import { NotAvailableError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { ReplayHub } from '../replay/hub.js';
import { HubMetrics } from '../replay/hub-metrics.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { ReplayControl, localPublisher, type PublisherHandle } from '../replay/replay-control.js';
import type { ReplaySource } from '../replay/source.js';
import { SeriesPositions } from '../replay/series-positions.js';
import type { StartFrom } from '../replay/offsets.js';
import { startPublisherProcesses, type ProcessLayout } from './publisher-processes.js';
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
  /** Offsets directory; without it none are kept (in-process publishers) . */
  stateDir?: string;
  startFrom?: StartFrom;
  reset?: boolean;
  /** One process per exchange under a supervisor (the shipped layout); default: in this process. */
  processes?: boolean;
  /** `--fault` rules armed before consumers connect (src/app/faults.ts). */
  faults?: readonly string[];
}

export interface ReplayStack {
  readonly hub: ReplayHub;
  readonly port: number;
  /** Each exchange's publisher, in this process or behind its link. */
  readonly publishers: ReadonlyMap<Exchange, PublisherHandle>;
  /** The process layout (supervisor and links) when publishers run as processes. */
  readonly processes?: ProcessLayout;
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

/** The replay hub and one publisher per exchange: processes under a supervisor, or in this process. */
export async function startReplay(opts: ReplayStackOptions): Promise<ReplayStack> {
  const { logger } = opts;
  const venues = opts.exchanges.map(venueFor);
  const hub = new ReplayHub({ logger, metrics: new HubMetrics() });
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
  const faults = attachHubFaults({
    hub,
    symbols: symbolsOf,
    flags: opts.faults,
    logger,
    observer: hub.observer,
  });
  const port = await hub.listen(opts.port, opts.host);
  for (const [exchange, source] of sources) {
    logger.info({ url: `http://${opts.host}:${port}/${exchange}`, symbols: source.symbols }, 'replaying');
  }
  const layout =
    opts.processes === true
      ? await startPublisherProcesses({
          hub,
          port,
          opts,
          exchanges: [...sources.keys()],
          observer: hub.observer,
        })
      : undefined;
  const local = layout === undefined ? startLocalPublishers(hub, sources, opts) : undefined;
  const publishers = layout?.handles ?? (local as LocalPublishers).handles;
  const control = new ReplayControl(publishers);
  hub.addControl((req, res, path) => control.handle(req, res, path));
  const finished = layout?.finished ?? (local as LocalPublishers).finished;
  const symbols = new Map([...sources].map(([e, s]) => [e, s.symbols] as const));
  const canonicalSymbols = new Map(
    [...sources].map(([e, s]) => [e, s.symbols.map((n) => venueFor(e).toCanonical(n))] as const),
  );

  return {
    hub,
    port,
    publishers,
    processes: layout,
    symbols,
    canonicalSymbols,
    finished,
    faults,
    async close() {
      if (layout !== undefined) await layout.stop();
      else await (local as LocalPublishers).stop();
      faults.close();
      await hub.close();
    },
  };
}

interface LocalPublishers {
  readonly handles: ReadonlyMap<Exchange, PublisherHandle>;
  readonly finished: Promise<void>;
  stop(): Promise<void>;
}

/** Every publisher in this process, pushing straight into the hub. */
function startLocalPublishers(
  hub: ReplayHub,
  sources: ReadonlyMap<Exchange, ReplaySource>,
  opts: ReplayStackOptions,
): LocalPublishers {
  const { logger } = opts;
  const abort = new AbortController();
  const handles = new Map<Exchange, PublisherHandle>();
  const runs: Promise<void>[] = [];
  for (const [exchange, source] of sources) {
    const log = logger.child({ component: 'publisher', exchange });
    const publisher = new ReplayPublisher({
      source,
      exchange,
      reopen: () => venueFor(exchange).openSource(opts.root, log),
      speed: opts.speed,
      loop: opts.loop,
      paused: opts.paused,
      logger: log,
      checkpointEvery: opts.config?.checkpointEvery,
      checkpointMs: opts.config?.checkpointMs,
      rateLimit: opts.config?.rateLimit,
      positions:
        opts.stateDir === undefined
          ? undefined
          : (from, reset) =>
              new SeriesPositions({
                platform: exchange,
                stateDir: opts.stateDir,
                startFrom: from ?? opts.startFrom ?? 'beginning',
                reset: reset || opts.reset === true,
                fallback: opts.config?.offsetFallback,
                everyMs: opts.config?.checkpointMs ?? 1000,
                logger: log,
              }),
    });
    handles.set(exchange, localPublisher(publisher));
    runs.push(
      publisher.run(hub, abort.signal).then(
        (stats) =>
          logger.info({ exchange, ...stats }, abort.signal.aborted ? 'replay stopped' : 'replay finished'),
        (err: unknown) => logger.error({ err, exchange }, 'replay publisher failed'),
      ),
    );
  }
  const finished = Promise.all(runs).then(() => undefined);
  return {
    handles,
    finished,
    async stop() {
      abort.abort();
      await finished;
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
    stateDir: config.state,
    startFrom: config.startFrom,
    reset: config.reset,
    processes: config.publisherProcesses,
    faults: config.faults,
  });
}
