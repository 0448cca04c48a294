/**
 * The replay hub's Kraken mount (`/kraken`): WebSocket v2 at `/kraken/v2` on the shared venue
 * host, the public REST calls under `/kraken/0/public/`, one replay timeline behind both.
 */
import type { Logger } from '../../core/logger.js';
import { HostedEndpoint } from '../../replay/hosted-endpoint.js';
import type { VenueEndpoint } from '../../replay/hub.js';
import { VenueHost, type ChannelPublisher, type HostRules } from '../../replay/venue-host.js';
import { krakenStreamType } from './channels.js';
import { KRAKEN_FAULT_HOOKS } from './hub-faults.js';
import { KRAKEN_HOST_RULES, KrakenProtocol, type KrakenSessionState } from './hub.js';
import { krakenRestRouter } from './rest.js';
import { KRAKEN_PAIRS, type KrakenPairs } from './symbols.js';
import { KrakenTimeline } from './timeline.js';

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
  const prefix = opts.prefix ?? '/kraken';
  const clock = opts.now ?? Date.now;
  const logger = opts.logger.child({ venue: 'kraken' });
  // The timeline publishes through the host, which runs the protocol that reads the timeline.
  const sink: ChannelPublisher = {
    has: (channel) => host.has(channel),
    publish: (channel, payload) => host.publish(channel, payload),
  };
  const timeline = new KrakenTimeline(sink, opts.pairs ?? KRAKEN_PAIRS, logger, opts.symbols ?? []);
  const protocol = new KrakenProtocol(timeline, prefix, clock);
  const host = new VenueHost<KrakenSessionState>({
    protocol,
    rules: { ...KRAKEN_HOST_RULES, ...opts.rules },
    logger,
    now: clock,
    channelType: krakenStreamType,
  });
  const rest = krakenRestRouter({ timeline, now: () => timeline.replayTime ?? clock() });
  return new HostedEndpoint({
    exchange: 'kraken',
    prefix,
    host,
    timeline,
    isStreamPath: (subPath) => subPath === '/v2' || subPath === '/v2/',
    rest: (req, res, subPath, query) => rest.handle(req, res, subPath, query),
    faultHooks: KRAKEN_FAULT_HOOKS,
    counters: () => ({ ...host.counters(), ...timeline.counters, ...protocol.counters }),
  });
}
