/**
 * The replay hub's OKX mount (`/okx`): the v5 WebSocket services `/okx/ws/v5/public` and
 * `/okx/ws/v5/business` on the shared venue host, the public REST calls under `/okx/api/v5/`, one
 * replay timeline behind both.
 */
import type { Logger } from '../../core/logger.js';
import { HostedEndpoint } from '../../replay/hosted-endpoint.js';
import type { VenueEndpoint } from '../../replay/hub.js';
import { VenueHost, type ChannelPublisher, type HostRules } from '../../replay/venue-host.js';
import { okxStreamType, serviceOfPath } from './channels.js';
import { OKX_FAULT_HOOKS } from './hub-faults.js';
import { OKX_HOST_RULES, OkxProtocol, type OkxSessionState } from './hub.js';
import { OKX_HUB_PAIRS, type OkxHubPairs } from './hub-pairs.js';
import { okxRestRouter } from './rest.js';
import { OkxTimeline } from './timeline.js';

export interface OkxEndpointOptions {
  readonly logger: Logger;
  /** instIds the replay publishes (`BTC-USDT`): served from the start. */
  readonly symbols?: readonly string[];
  /** Instruments known to the hub (default: the built-in BTC-USDT and ETH-USDT). */
  readonly pairs?: OkxHubPairs;
  /** Mount point (default `/okx`). */
  readonly prefix?: string;
  /** Wall clock for the host, the keepalive and times before the first event (default `Date.now`). */
  readonly now?: () => number;
  /** Overrides of the venue host rules (tests: a shorter 30 s cut, tick or rate). */
  readonly rules?: Partial<HostRules>;
}

/** The OKX endpoint of the replay hub. */
export function createOkxEndpoint(opts: OkxEndpointOptions): VenueEndpoint {
  const prefix = opts.prefix ?? '/okx';
  const clock = opts.now ?? Date.now;
  const logger = opts.logger.child({ venue: 'okx' });
  const pairs = opts.pairs ?? OKX_HUB_PAIRS;
  const rules = { ...OKX_HOST_RULES, ...opts.rules };
  // The timeline publishes through the host, which runs the protocol that reads the timeline.
  const sink: ChannelPublisher = {
    has: (channel) => host.has(channel),
    publish: (channel, payload) => host.publish(channel, payload),
  };
  const timeline = new OkxTimeline(sink, pairs, logger, clock, opts.symbols ?? []);
  const protocol = new OkxProtocol(timeline, prefix, clock, rules.tickMs ?? 0);
  const host = new VenueHost<OkxSessionState>({
    protocol,
    rules,
    logger,
    now: clock,
    channelType: okxStreamType,
  });
  const rest = okxRestRouter({ timeline, pairs, now: () => timeline.replayTime ?? clock() });
  return new HostedEndpoint({
    exchange: 'okx',
    prefix,
    host,
    timeline,
    isStreamPath: (subPath) => serviceOfPath(subPath) !== undefined,
    rest: (req, res, subPath, query) => rest.handle(req, res, subPath, query),
    faultHooks: OKX_FAULT_HOOKS,
    counters: () => ({ ...host.counters(), ...timeline.counters, ...protocol.counters }),
  });
}
