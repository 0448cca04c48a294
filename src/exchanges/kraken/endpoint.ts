/**
 * The replay hub's Kraken mount (`/kraken`): WebSocket v2 at `/kraken/v2` on the shared venue
 * host, the public REST calls under `/kraken/0/public/`, one replay timeline behind both.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { sendJson } from '../../replay/http.js';
import type { VenueEndpoint, VenueStats } from '../../replay/hub.js';
import type { RestRouter } from '../../replay/rest-router.js';
import { VenueHost, type HostRules } from '../../replay/venue-host.js';
import { KRAKEN_HOST_RULES, KrakenProtocol, type KrakenSessionState } from './hub.js';
import { krakenRestRouter } from './rest.js';
import { KRAKEN_PAIRS, type KrakenPairs } from './symbols.js';
import { KrakenTimeline, type ChannelSink } from './timeline.js';

export interface KrakenEndpointOptions {
  readonly logger: Logger;
  /** v2 symbols the replay publishes (`BTC/USD`): served from the start. */
  readonly symbols?: readonly string[];
  /** Pair names and precisions (default: the built-in BTC/USD and ETH/USD). */
  readonly pairs?: KrakenPairs;
  /** Mount point (default `/kraken`). */
  readonly prefix?: string;
  /** Wall clock for the heartbeat tick and times before the first event (default `Date.now`). */
  readonly now?: () => number;
  /** Overrides of the venue host rules (tests). */
  readonly rules?: Partial<HostRules>;
}

/** The Kraken endpoint of the replay hub. */
export function createKrakenEndpoint(opts: KrakenEndpointOptions): VenueEndpoint {
  return new KrakenEndpoint(opts);
}

class KrakenEndpoint implements VenueEndpoint {
  readonly exchange = 'kraken' as const;
  readonly prefix: string;
  private readonly host: VenueHost<KrakenSessionState>;
  private readonly timeline: KrakenTimeline;
  private readonly protocol: KrakenProtocol;
  private readonly rest: RestRouter;
  private readonly clock: () => number;

  constructor(opts: KrakenEndpointOptions) {
    this.prefix = opts.prefix ?? '/kraken';
    this.clock = opts.now ?? Date.now;
    const logger = opts.logger.child({ venue: 'kraken' });
    // The timeline publishes through the host, which runs the protocol that reads the timeline.
    const sink: ChannelSink = {
      has: (channel) => this.host.has(channel),
      publish: (channel, payload) => this.host.publish(channel, payload),
    };
    this.timeline = new KrakenTimeline(sink, opts.pairs ?? KRAKEN_PAIRS, logger, opts.symbols ?? []);
    this.protocol = new KrakenProtocol(this.timeline, this.prefix, this.clock);
    this.host = new VenueHost<KrakenSessionState>({
      protocol: this.protocol,
      rules: { ...KRAKEN_HOST_RULES, ...opts.rules },
      logger,
      now: this.clock,
    });
    this.rest = krakenRestRouter({
      timeline: this.timeline,
      now: () => this.timeline.replayTime ?? this.clock(),
    });
  }

  push(event: ReplayEvent): void {
    this.timeline.push(event);
  }

  advanceTo(ts: number): void {
    this.timeline.advanceTo(ts);
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

  handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void {
    if (subPath === '/v2' || subPath === '/v2/') {
      sendJson(res, 426, { error: 'WebSocket upgrade required', path: this.prefix + subPath });
      return;
    }
    this.rest.handle(req, res, subPath, query);
  }

  close(): Promise<void> {
    return this.host.closeAll();
  }

  stats(): VenueStats {
    return {
      exchange: this.exchange,
      prefix: this.prefix,
      symbols: this.timeline.symbols(),
      consumers: this.host.consumers,
      replayTime: this.timeline.replayTime,
      counters: { ...this.host.counters(), ...this.timeline.counters, ...this.protocol.counters },
    };
  }
}
