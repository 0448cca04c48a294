import type { Bus } from '../bus/bus.js';
import { PRICE_TTL_MS, priceTopic } from '../bus/price-topic.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange, MessageType } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { VenueUrls } from '../exchanges/venue.js';
import { Aggregator, type AggregatorOptions, type SymbolSourcesView } from '../ingest/aggregator.js';
import type { Feed, FeedStats } from '../ingest/feed.js';
import { BusRouter } from '../ingest/router.js';

export interface IngestOptions {
  bus: Bus;
  /** Canonical symbols to subscribe, per exchange, in priority order (the first is the primary source). */
  symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** A replay hub base URL (`http://127.0.0.1:3100`) instead of the real exchanges. */
  upstream?: string;
  bookDepth: number;
  logger: Logger;
  latestTtlMs?: number;
  /** The run's settings, handed to each venue's feed (Alpaca's key pair and feed); the aggregator's too. */
  config?: Config;
  /** Aggregator settings over those of `config` (tests shorten the checks). */
  aggregator?: Partial<AggregatorSettings>;
}

/** What of the aggregator's options a run sets (the rest come from the feeds). */
export type AggregatorSettings = Omit<AggregatorOptions, 'exchanges' | 'symbols' | 'feedStats' | 'publish'>;

/** The aggregated ticker and quote are the aggregator's (conflict resolution, consolidated quote). */
const AGGREGATED_BY_AGGREGATOR: ReadonlySet<MessageType> = new Set<MessageType>(['ticker', 'quote']);

export interface IngestStack {
  readonly feeds: ReadonlyMap<Exchange, Feed>;
  readonly router: BusRouter;
  /** The active source per symbol, failover and source health. */
  readonly aggregator: Aggregator;
  /** Every feed's counters (the health endpoint's ingest state per exchange). */
  feedStats(): FeedStats[];
  /** The aggregator's sources and active source per symbol. */
  sources(): SymbolSourcesView[];
  close(): Promise<void>;
}

/** `http://host:port` → `{ws: 'ws://host:port/<prefix>', rest: 'http://host:port/<prefix>'}`. */
export function upstreamUrls(upstream: string, prefix: string): VenueUrls {
  const base = new URL(upstream);
  const secure = base.protocol === 'https:' || base.protocol === 'wss:';
  const path = base.pathname.replace(/\/+$/, '');
  const hostPart = `//${base.host}${path}/${prefix}`;
  return { ws: `${secure ? 'wss' : 'ws'}:${hostPart}`, rest: `${secure ? 'https' : 'http'}:${hostPart}` };
}

/** The aggregator's settings from the run's config. */
export function aggregatorSettings(config: Config | undefined): Partial<AggregatorSettings> {
  if (config === undefined) return {};
  return {
    primaryExchange: config.primaryExchange,
    enableFailover: config.enableFailover,
    healthCheckIntervalMs: config.healthCheckIntervalMs,
    maxSourceLatencyMs: config.maxSourceLatencyMs,
    noDataTimeoutMs: config.noDataTimeoutMs,
    switchBackHoldMs: config.switchBackHoldMs,
    errorBurstCount: config.errorBurstCount,
    errorBurstWindowMs: config.errorBurstWindowMs,
    conflictResolution: config.conflictResolution,
  };
}

/** Exchange clients → normalized messages → bus (per-exchange and aggregated streams). */
export function startIngest(opts: IngestOptions): IngestStack {
  // Look every venue up first: an unknown one is refused before anything connects.
  const venues = [...opts.symbols.keys()].map(venueFor);
  const feeds = new Map<Exchange, Feed>();
  const aggregator: Aggregator = new Aggregator({
    ...aggregatorSettings(opts.config),
    ...opts.aggregator,
    exchanges: venues.map((v) => v.exchange),
    symbols: opts.symbols,
    feedStats: (exchange) => feeds.get(exchange)?.stats(),
    publish: (msg) => router.routeAggregated(msg),
  });
  const router = new BusRouter(opts.bus, {
    latestTtlMs: opts.latestTtlMs ?? 60_000,
    primaryFor: (symbol) => aggregator.activeSource(symbol),
    aggregatedElsewhere: AGGREGATED_BY_AGGREGATOR,
  });
  const aggLog = opts.logger.child({ component: 'aggregator' });
  aggregator.on('sourceSwitch', (s) => aggLog.warn(s, 'source switch'));
  aggregator.on('failover_failed', (f) => aggLog.error(f, 'failover failed: no healthy source'));
  aggregator.on('marketData', (data) => {
    const price = data.raw;
    if (
      price.type === 'ticker' ||
      (price.type === 'trade' && aggregator.activeSource(price.symbol) === price.exchange)
    ) {
      opts.bus.publish(priceTopic(price.symbol), price, { latestTtlMs: PRICE_TTL_MS });
    }
  });
  const pumps: Promise<void>[] = [];
  for (const venue of venues) {
    const exchange = venue.exchange;
    const symbols = opts.symbols.get(exchange) ?? [];
    const urls = opts.upstream ? upstreamUrls(opts.upstream, exchange) : venue.live;
    const logger = opts.logger.child({ component: 'ingest', exchange });
    const feed = venue.createFeed({ urls, symbols, bookDepth: opts.bookDepth, logger, config: opts.config });
    feeds.set(exchange, feed);
    pumps.push(
      (async () => {
        for await (const msg of feed.messages()) {
          aggregator.observe(msg);
          router.route(msg);
        }
      })().catch((err: unknown) => logger.error({ err }, 'ingest stopped on an error')),
    );
    logger.info({ ws: urls.ws, symbols }, 'ingest started');
  }

  return {
    feeds,
    router,
    aggregator,
    feedStats: () => [...feeds.values()].map((f) => f.stats()),
    sources: () => aggregator.sources(),
    async close() {
      try {
        await Promise.all([...feeds.values()].map((f) => f.close()));
        await Promise.all(pumps);
      } finally {
        aggregator.close();
      }
    },
  };
}
