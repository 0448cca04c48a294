import type { Bus } from '../bus/bus.js';
import { PRICE_TTL_MS, priceTopic } from '../bus/price-topic.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { Exchange, MessageType } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { VenueUrls } from '../exchanges/venue.js';
import type { IngestMetrics } from '../gateway/metrics.js';
import { Aggregator, type AggregatorOptions, type SymbolSourcesView } from '../ingest/aggregator.js';
import type { Feed, FeedStats } from '../ingest/feed.js';
import { BusRouter } from '../ingest/router.js';
import {
  startSubscriptions,
  type Subscriptions,
  type SubscriptionsOptions,
} from '../ingest/subscriptions/subscriptions.js';
import { catalogOf, type SymbolCatalog } from '../ingest/subscriptions/wants.js';
import type { ResilienceOptions } from '../ingest/venue-feed.js';

export interface IngestOptions {
  bus: Bus;
  /**
   * Canonical symbols always subscribed (the static source), per exchange, in priority order (the
   * first exchange carrying a symbol is its primary source).
   */
  symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** Which exchanges list a symbol, for demand and positions. Default: `symbols` is all there is. */
  catalog?: SymbolCatalog;
  /** Demand (gateway clients' streams) and positions sources beside the static symbols; both off by default. */
  subscriptions?: Pick<SubscriptionsOptions, 'demand' | 'positions' | 'schedule'>;
  /** A replay hub base URL (`http://127.0.0.1:3100`) instead of the real exchanges. */
  upstream?: string;
  bookDepth: number;
  logger: Logger;
  latestTtlMs?: number;
  /** The run's settings, handed to each venue's feed (Alpaca's key pair and feed, resilience); the aggregator's too. */
  config?: Config;
  /** Each feed is reported there (the gateway's `/metrics`). */
  metrics?: IngestMetrics;
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
  /** What each feed is subscribed to and why; `subscriptions.demand` is where the gateway reports demand. */
  readonly subscriptions: Subscriptions;
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

/** The config keys of backoff, circuit breaker, retry limit and staleness as feed options. */
export function resilienceFromConfig(config: Config): ResilienceOptions {
  return {
    backoff: { baseMs: config.reconnectBaseMs, maxMs: config.reconnectMaxMs },
    breaker: {
      failures: config.breakerFailures,
      openMs: config.breakerOpenMs,
      successes: config.breakerSuccesses,
    },
    maxReconnects: config.maxReconnects,
    staleness: { factor: config.staleFactor, floorMs: config.staleFloorMs },
  };
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
  const loggers = new Map<Exchange, Logger>();
  for (const venue of venues) {
    const exchange = venue.exchange;
    const symbols = opts.symbols.get(exchange) ?? [];
    const urls = opts.upstream ? upstreamUrls(opts.upstream, exchange) : venue.live;
    const logger = opts.logger.child({ component: 'ingest', exchange });
    const resilience = opts.config === undefined ? undefined : resilienceFromConfig(opts.config);
    const feed = venue.createFeed({
      urls,
      symbols,
      bookDepth: opts.bookDepth,
      logger,
      config: opts.config,
      resilience,
    });
    feeds.set(exchange, feed);
    opts.metrics?.addFeed(feed);
    loggers.set(exchange, logger);
    logger.info({ ws: urls.ws, symbols }, 'ingest started');
  }
  const subscriptions = startSubscriptions({
    targets: feeds,
    static: opts.symbols,
    catalog: opts.catalog ?? catalogOf(opts.symbols),
    ...opts.subscriptions,
    logger: opts.logger.child({ component: 'ingest' }),
  });
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
    // A symbol only demand or positions brought in has no aggregator sources: its first listing feeds it.
    primaryFor: (symbol) => aggregator.activeSource(symbol) ?? subscriptions.manager.primaryFor(symbol),
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
  // The first `messages()` call starts each feed's connection.
  const pumps = [...feeds].map(([exchange, feed]) =>
    (async () => {
      for await (const msg of feed.messages()) {
        aggregator.observe(msg);
        router.route(msg);
      }
    })().catch((err: unknown) => loggers.get(exchange)?.error({ err }, 'ingest stopped on an error')),
  );

  return {
    feeds,
    router,
    subscriptions,
    aggregator,
    feedStats: () => [...feeds.values()].map((f) => f.stats()),
    sources: () => aggregator.sources(),
    async close() {
      try {
        await subscriptions.close();
        await Promise.all([...feeds.values()].map((f) => f.close()));
        await Promise.all(pumps);
      } finally {
        aggregator.close();
      }
    },
  };
}
