/**
 * The replay hub's Binance endpoint, under `/binance`: Binance Spot's stream URLs and connection
 * rules (hub-session.ts, run by the shared venue host), the streams of the replay timeline
 * (hub-feed.ts) and the REST calls clients sync with (hub-rest.ts).
 */
import type { Logger } from '../../core/logger.js';
import { HostedEndpoint } from '../../replay/hosted-endpoint.js';
import type { VenueEndpoint } from '../../replay/hub.js';
import { VenueHost } from '../../replay/venue-host.js';
import { BINANCE_FAULT_HOOKS } from './hub-faults.js';
import { BinanceFeed, type FeedCounters } from './hub-feed.js';
import { binanceRestRouter } from './hub-rest.js';
import { BINANCE_HOST_RULES, BinanceProtocol, isStreamPath } from './hub-session.js';
import { binanceStreamType } from './stream-catalog.js';

export interface BinanceVenueOptions {
  readonly logger: Logger;
  /** Server PING every this many ms (Binance: 20 s); 0 = none (and no pong deadline). */
  readonly pingIntervalMs?: number;
  /** Cut a consumer with no pong echoing one of our pings for this long (Binance: 1 min). */
  readonly pongTimeoutMs?: number;
  /** Incoming frames (messages, pings, pongs) per second before close 1008 (Binance: 5); 0 = unlimited. */
  readonly maxIncomingPerSecond?: number;
  /** Drop a consumer whose send buffer exceeds this (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Connection lifetime (Binance: 24 h); 0 = unlimited. */
  readonly maxLifetimeMs?: number;
  /** How long a close handshake may take before the socket is destroyed (default 1 s). */
  readonly closeTimeoutMs?: number;
  /** Mount point (default `/binance`). */
  readonly prefix?: string;
  /** Wall clock for rate limits and heartbeats (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Native symbols the replay publishes (`BTCUSDT`): their streams are served from the start;
   * streams of any other symbol not seen in an event are refused.
   */
  readonly symbols?: readonly string[];
}

export interface BinanceVenueCounters extends FeedCounters {
  /** Frame batches built: per stream per flush, one per envelope in use. */
  batchesFramed: number;
  /** Events delivered: events × consumers. */
  deliveries: number;
  /** Socket writes: one per consumer per stream per flush, corked together per consumer. */
  socketWrites: number;
  /** Consumers closed for letting their send buffer grow past the limit. */
  slowConsumersDropped: number;
  connectionsOpened: number;
  upgradesRejected: number;
  controlRequests: number;
  controlErrors: number;
  rateLimitCloses: number;
  pingsSent: number;
  pongTimeouts: number;
  lifetimeCloses: number;
}

export interface BinanceVenue extends VenueEndpoint {
  /** A snapshot of every counter. */
  counters(): BinanceVenueCounters;
}

/** Build the `/binance` endpoint of the replay hub. */
export function createBinanceVenue(opts: BinanceVenueOptions): BinanceVenue {
  const prefix = opts.prefix ?? '/binance';
  const logger = opts.logger.child({ venue: 'binance' });
  const now = opts.now ?? Date.now;
  const serverTime = (): number => feed.replayTime ?? now();
  const protocol: BinanceProtocol = new BinanceProtocol({
    refusal: (name: string): string | undefined => feed.refusal(name),
    serverTime,
  });
  const rules = BINANCE_HOST_RULES;
  const host: VenueHost<null> = new VenueHost<null>({
    protocol,
    logger,
    now,
    channelType: binanceStreamType,
    rules: {
      ...rules,
      pingIntervalMs: opts.pingIntervalMs ?? rules.pingIntervalMs,
      pongTimeoutMs: opts.pongTimeoutMs ?? rules.pongTimeoutMs,
      maxIncoming: opts.maxIncomingPerSecond ?? rules.maxIncoming,
      maxBufferedBytes: opts.maxBufferedBytes ?? rules.maxBufferedBytes,
      maxLifetimeMs: opts.maxLifetimeMs ?? rules.maxLifetimeMs,
      closeTimeoutMs: opts.closeTimeoutMs ?? rules.closeTimeoutMs,
    },
  });
  const feed: BinanceFeed = new BinanceFeed(host, logger);
  feed.declare(opts.symbols ?? []);
  const rest = binanceRestRouter({ feed, serverTime });
  return new HostedEndpoint<null, BinanceVenueCounters>({
    exchange: 'binance',
    prefix,
    host,
    timeline: feed,
    isStreamPath,
    faultHooks: BINANCE_FAULT_HOOKS,
    rest: (req, res, subPath, query) => rest.handle(req, res, subPath, query),
    counters: () => {
      const h = host.counters();
      return {
        ...feed.counters,
        batchesFramed: h.batchesFramed,
        deliveries: h.deliveries,
        socketWrites: h.socketWrites,
        slowConsumersDropped: h.slowDropped,
        connectionsOpened: h.connectionsOpened,
        upgradesRejected: h.upgradesRejected,
        // Every inbound data frame that passed the rate window is a control request.
        controlRequests: h.inboundMessages,
        controlErrors: protocol.controlErrors,
        rateLimitCloses: h.rateLimitCloses,
        pingsSent: h.pingsSent,
        pongTimeouts: h.pongTimeouts,
        lifetimeCloses: h.lifetimeCloses,
      };
    },
  });
}
