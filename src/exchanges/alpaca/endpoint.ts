/**
 * The replay hub's Alpaca mount (`/alpaca`): the v2 stock stream `/alpaca/v2/{iex|sip|
 * delayed_sip|test}` on the shared venue host (JSON or MessagePack sessions, a flush's messages
 * of a channel joined into one array frame), the historical REST under `/alpaca/v2/stocks/`, one
 * replay timeline behind both.
 */
import type { Logger } from '../../core/logger.js';
import { HostedEndpoint } from '../../replay/hosted-endpoint.js';
import type { VenueEndpoint } from '../../replay/hub.js';
import { VenueHost, type ChannelPublisher, type HostRules } from '../../replay/venue-host.js';
import { alpacaStreamType, encodingOfChannel, feedOfPath } from './channels.js';
import { AlpacaCredentials } from './credentials.js';
import { frameJoiner } from './encoder.js';
import { ALPACA_FAULT_HOOKS } from './hub-faults.js';
import { ALPACA_AUTH_TIMEOUT_MS, ALPACA_HOST_RULES, AlpacaProtocol, type AlpacaSessionState } from './hub.js';
import { alpacaRestRouter } from './rest.js';
import { AlpacaTimeline } from './timeline.js';
import { ALPACA_FEEDS, type AlpacaFeed } from './wire.js';

export const DEFAULT_ALPACA_CREDENTIALS = new AlpacaCredentials('demo', 'demo');

export interface AlpacaEndpointOptions {
  readonly logger: Logger;
  /** Stock symbols the replay publishes (`AAPL`): served from the start; the first is FAKEPACA's source. */
  readonly symbols?: readonly string[];
  /** Key and secret the stream and REST accept (default `demo` / `demo`). */
  readonly credentials?: AlpacaCredentials;
  /** Authenticated connections per key per feed (default 1, as Alpaca). */
  readonly connectionLimit?: number;
  /** Distinct trade/quote symbols per connection (default 30, Alpaca's free IEX plan). */
  readonly symbolLimit?: number;
  /** Auth deadline after connecting (default 10 s). */
  readonly authTimeoutMs?: number;
  /** Feeds the plan includes (default all; others get 409 at auth). */
  readonly feeds?: readonly AlpacaFeed[];
  /** Mount point (default `/alpaca`). */
  readonly prefix?: string;
  /** Wall clock for the host and times before the first event (default `Date.now`). */
  readonly now?: () => number;
  /** Overrides of the venue host rules. */
  readonly rules?: Partial<HostRules>;
}

/** The Alpaca endpoint of the replay hub. */
export function createAlpacaEndpoint(opts: AlpacaEndpointOptions): VenueEndpoint {
  const prefix = opts.prefix ?? '/alpaca';
  const clock = opts.now ?? Date.now;
  const logger = opts.logger.child({ venue: 'alpaca' });
  const credentials = opts.credentials ?? DEFAULT_ALPACA_CREDENTIALS;
  const authTimeoutMs = opts.authTimeoutMs ?? ALPACA_AUTH_TIMEOUT_MS;
  // The auth deadline is judged at each tick: a quarter of it, at most a second.
  const tickMs = Math.max(10, Math.min(1000, Math.floor(authTimeoutMs / 4)));
  const rules = { ...ALPACA_HOST_RULES, tickMs, ...opts.rules };
  const sink: ChannelPublisher = {
    has: (channel) => host.has(channel),
    publish: (channel, payload) => host.publish(channel, payload),
  };
  const timeline = new AlpacaTimeline(sink, logger, opts.symbols ?? []);
  const protocol = new AlpacaProtocol(
    {
      credentials,
      connectionLimit: opts.connectionLimit ?? 1,
      symbolLimit: opts.symbolLimit ?? 30,
      authTimeoutMs,
      feeds: opts.feeds ?? ALPACA_FEEDS,
    },
    prefix,
    (err) =>
      logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'Alpaca client message failed inside the hub; answered 500',
      ),
  );
  const host = new VenueHost<AlpacaSessionState>({
    protocol,
    rules,
    logger,
    now: clock,
    channelType: alpacaStreamType,
    joiner: (channel) => {
      const enc = encodingOfChannel(channel);
      return enc === undefined ? undefined : frameJoiner(enc);
    },
  });
  const rest = alpacaRestRouter({ timeline, credentials, now: () => timeline.replayTime ?? clock() });
  return new HostedEndpoint({
    exchange: 'alpaca',
    prefix,
    host,
    timeline,
    isStreamPath: (subPath) => feedOfPath(subPath) !== undefined,
    rest: (req, res, subPath, query) => rest.handle(req, res, subPath, query),
    faultHooks: ALPACA_FAULT_HOOKS,
    counters: () => ({ ...host.counters(), ...timeline.counters, ...protocol.counters }),
  });
}
