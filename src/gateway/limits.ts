import { ConfigError } from '../core/errors.js';

export interface GatewayLimits {
  /** Open WebSocket connections; an upgrade beyond this is answered with HTTP 503. */
  readonly maxConnections: number;
  /** Streams one connection may subscribe to. */
  readonly maxSubscriptionsPerClient: number;
  /**
   * Soft message limit: a larger control message is not executed but answered with an error
   * (4 when it lists too many streams, else 6), counts as a violation, and the connection stays.
   */
  readonly maxMessageBytes: number;
  /** Hard frame limit (ws `maxPayload`): a larger message closes the connection with 1009 and a reason. */
  readonly maxPayloadBytes: number;
  /** Inbound control messages per second per connection (token bucket refill). */
  readonly messageRatePerSec: number;
  /** Inbound burst allowance (token bucket size). */
  readonly messageBurst: number;
  /** Rate/size violations tolerated per connection; one more closes it with 1008. */
  readonly maxViolations: number;
  /** Send backlog (`ws.bufferedAmount`) above which a slow client is closed with 4008 (after a final `{"error":{"code":4008,…}}` notice). */
  readonly maxBufferedBytes: number;
  /** Ping period; a client that has not ponged since the previous ping is terminated. */
  readonly pingIntervalMs: number;
  /** How long a closed client gets to finish the closing handshake before it is terminated. */
  readonly closeTimeoutMs: number;
}

/**
 * `maxMessageBytes` holds a SUBSCRIBE of several hundred longest (64-character) stream names;
 * `maxPayloadBytes` holds one of 10,000, so even that is answered rather than cut.
 */
/**
 * Default write delay of the gateway's fan-out, ms: a live feed publishes a message or two per
 * event-loop turn, and writing each turn to every client costs a socket write per client per
 * turn; at most one write per this delay, the turns' messages in it, cuts the writes several-fold
 * (see README "Performance"), and 2 ms is below what a screen or a network hop shows. A message
 * after a quiet spell goes at once. 0 writes after every turn.
 */
export const DEFAULT_WRITE_DELAY_MS = 2;

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = Object.freeze({
  maxConnections: 10_000,
  maxSubscriptionsPerClient: 100,
  maxMessageBytes: 65_536,
  maxPayloadBytes: 1_048_576,
  messageRatePerSec: 10,
  messageBurst: 20,
  maxViolations: 10,
  maxBufferedBytes: 1_048_576,
  pingIntervalMs: 30_000,
  closeTimeoutMs: 1000,
});

/** Defaults filled in and every limit checked; a bad one is a ConfigError naming it. */
export function resolveLimits(partial: Partial<GatewayLimits> | undefined): GatewayLimits {
  const limits: GatewayLimits = { ...DEFAULT_GATEWAY_LIMITS, ...partial };
  for (const key of Object.keys(limits) as (keyof GatewayLimits)[]) {
    const v = limits[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      throw new ConfigError(`gateway limit '${key}' must be a positive number, got ${String(v)}`);
    }
  }
  if (limits.maxMessageBytes > limits.maxPayloadBytes) {
    throw new ConfigError(
      `gateway limit 'maxMessageBytes' (${limits.maxMessageBytes}) must not exceed 'maxPayloadBytes' (${limits.maxPayloadBytes}): ` +
        'raise maxPayloadBytes or lower maxMessageBytes',
    );
  }
  return limits;
}
