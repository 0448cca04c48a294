/**
 * The replay hub's Binance endpoint, under `/binance`: Binance Spot's stream URLs and connection
 * rules (hub-session.ts, run by the shared venue host), the streams of the replay timeline
 * (hub-feed.ts) and the REST calls clients sync with (hub-rest.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { sendJson } from '../../replay/http.js';
import type { VenueEndpoint, VenueStats } from '../../replay/hub.js';
import { VenueHost } from '../../replay/venue-host.js';
import { BinanceFeed, type FeedCounters } from './hub-feed.js';
import { handleBinanceRest, type BinanceRestContext } from './hub-rest.js';
import { BINANCE_HOST_RULES, BinanceProtocol, isStreamPath } from './hub-session.js';

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
  return new BinanceVenueEndpoint(opts);
}

class BinanceVenueEndpoint implements BinanceVenue {
  readonly exchange = 'binance' as const;
  readonly prefix: string;
  private readonly now: () => number;
  private readonly protocol: BinanceProtocol;
  private readonly host: VenueHost<null>;
  private readonly feed: BinanceFeed;
  private readonly rest: BinanceRestContext;

  constructor(opts: BinanceVenueOptions) {
    this.prefix = opts.prefix ?? '/binance';
    const logger = opts.logger.child({ venue: 'binance' });
    this.now = opts.now ?? Date.now;
    this.protocol = new BinanceProtocol({
      refusal: (name) => this.feed.refusal(name),
      serverTime: () => this.serverTime(),
    });
    const rules = BINANCE_HOST_RULES;
    this.host = new VenueHost<null>({
      protocol: this.protocol,
      logger,
      now: this.now,
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
    this.feed = new BinanceFeed(this.host, logger);
    this.feed.declare(opts.symbols ?? []);
    this.rest = { feed: this.feed, serverTime: () => this.serverTime() };
  }

  push(event: ReplayEvent): void {
    this.feed.push(event);
  }

  advanceTo(ts: number): void {
    this.feed.advanceTo(ts);
  }

  handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void {
    if (isStreamPath(subPath)) {
      sendJson(res, 426, { error: 'WebSocket upgrade required', path: this.prefix + subPath });
      return;
    }
    handleBinanceRest(req, res, subPath, query, this.rest);
  }

  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    subPath: string,
    query: URLSearchParams,
  ): void {
    this.host.handleUpgrade({ req, subPath, query, path: this.prefix + subPath }, socket, head);
  }

  stats(): VenueStats {
    return {
      exchange: this.exchange,
      prefix: this.prefix,
      symbols: this.feed.all().map((f) => f.state.symbol),
      consumers: this.host.consumers,
      replayTime: this.feed.replayTime,
      counters: { ...this.counters() },
    };
  }

  counters(): BinanceVenueCounters {
    const h = this.host.counters();
    return {
      ...this.feed.counters,
      batchesFramed: h.batchesFramed,
      deliveries: h.deliveries,
      socketWrites: h.socketWrites,
      slowConsumersDropped: h.slowDropped,
      connectionsOpened: h.connectionsOpened,
      upgradesRejected: h.upgradesRejected,
      // Every inbound data frame that passed the rate window is a control request.
      controlRequests: h.inboundMessages,
      controlErrors: this.protocol.controlErrors,
      rateLimitCloses: h.rateLimitCloses,
      pingsSent: h.pingsSent,
      pongTimeouts: h.pongTimeouts,
      lifetimeCloses: h.lifetimeCloses,
    };
  }

  close(): Promise<void> {
    return this.host.closeAll();
  }

  private serverTime(): number {
    return this.feed.replayTime ?? this.now();
  }
}
