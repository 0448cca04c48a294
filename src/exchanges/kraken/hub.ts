/**
 * Kraken Spot WebSocket v2 as the replay hub speaks it at `/kraken/v2`: the rules the venue host
 * runs for it (no server pings, a 1 s tick for the heartbeat) and its answers to each request.
 *
 * - On open: the `status` frame (system online, a fresh 64-bit connection id).
 * - `ping` → `pong` with `req_id`, `time_in`, `time_out`.
 * - `subscribe` / `unsubscribe`: one ack per symbol, in request order; a symbol the replay does not
 *   serve, or one already (not) subscribed, gets its own failure and the others go ahead. Params
 *   wrong for the whole request (unknown channel, bad depth / interval / trigger) get one failure.
 *   A subscription's snapshot (`snapshot: true`, the default) follows its ack and goes to that
 *   connection alone, ahead of every update.
 * - `{"channel":"heartbeat"}` once a second while nothing else was sent, once the connection has
 *   subscribed to anything (as Kraken: "automatic once any channel is subscribed").
 *
 * Where Kraken closes and where it answers: every request it can read, or not, is answered with a
 * failure and the connection stays open (malformed JSON, unknown method or channel, bad params,
 * unknown symbol). Only a frame over `maxRequestBytes` (64 KiB; Kraken's requests are a few hundred
 * bytes and it documents no limit) closes the connection, with 1009 (RFC 6455: message too big),
 * as the WebSocket layer does before the frame is read. Times are replay time (wall clock before
 * the first event).
 */
import { randomBytes } from 'node:crypto';
import type { HostRules, Session, SessionHost, VenueProtocol } from '../../replay/venue-host.js';
import { ackResult, channelOf, type KrakenSubscription } from './channels.js';
import {
  KRAKEN_HEARTBEAT_FRAME,
  encodeKrakenAck,
  encodeKrakenAckError,
  encodeKrakenPong,
  encodeKrakenStatus,
} from './encoder.js';
import {
  KRAKEN_HUB_ERRORS,
  parseKrakenRequest,
  symbolRefusal,
  type KrakenRequest,
  type SubscriptionOptions,
} from './hub-requests.js';
import type { KrakenTimeline } from './timeline.js';

/** Server version in the status frame [capture: 2.0.10, 2026-09]. */
export const KRAKEN_SERVER_VERSION = '2.0.10';

export const KRAKEN_HOST_RULES: Partial<HostRules> = {
  pingIntervalMs: 0,
  idleTimeoutMs: 0,
  maxIncoming: 0,
  maxLifetimeMs: 0,
  maxPayloadBytes: 64 * 1024,
  tickMs: 1000,
};

export interface KrakenSessionState {
  readonly connectionId: bigint;
  /** Set by the first successful subscribe: from then on, heartbeats when quiet. */
  heartbeats: boolean;
}

export interface KrakenProtocolCounters {
  requests: number;
  failures: number;
  heartbeats: number;
}

type Host = SessionHost<KrakenSessionState>;
/** A request's id and receipt time, echoed in every answer to it. */
interface RequestTimes {
  readonly reqId: number | undefined;
  readonly timeIn: number;
}
type KrakenSession = Session<KrakenSessionState>;

export class KrakenProtocol implements VenueProtocol<KrakenSessionState> {
  readonly counters: KrakenProtocolCounters = { requests: 0, failures: 0, heartbeats: 0 };

  constructor(
    private readonly timeline: KrakenTimeline,
    private readonly prefix: string,
    private readonly clock: () => number,
  ) {}

  accept({ subPath, path }: { subPath: string; path: string }) {
    if (subPath === '/v2' || subPath === '/v2/') {
      return {
        accept: true as const,
        state: { connectionId: randomBytes(8).readBigUInt64BE(), heartbeats: false },
      };
    }
    return {
      accept: false as const,
      status: 404,
      body: { error: `no Kraken WebSocket endpoint at ${path}; use ${this.prefix}/v2`, path },
    };
  }

  opened(s: KrakenSession, host: Host): void {
    host.send(
      s,
      encodeKrakenStatus({
        system: 'online',
        version: KRAKEN_SERVER_VERSION,
        connectionId: s.state.connectionId,
      }),
    );
  }

  message(s: KrakenSession, data: Buffer, _isBinary: boolean, host: Host): void {
    this.counters.requests++;
    const timeIn = this.now();
    const parsed = parseKrakenRequest(data);
    if (!parsed.ok) {
      const { method, reqId, error } = parsed.failure;
      this.failure(s, host, method, error, undefined, { reqId, timeIn });
      return;
    }
    this.execute(s, host, parsed.request, timeIn);
  }

  farewell(_s: KrakenSession, reason: string): { code: number; reason: string } {
    if (reason === 'slow') return { code: 1013, reason: 'Slow consumer' };
    return { code: 1001, reason: 'Server shutting down' };
  }

  tick(s: KrakenSession, host: Host, _now: number, quiet: boolean): void {
    if (!s.state.heartbeats || !quiet) return;
    this.counters.heartbeats++;
    host.send(s, KRAKEN_HEARTBEAT_FRAME);
  }

  /** Replay time, for `time_in` / `time_out`. */
  private now(): number {
    return this.timeline.replayTime ?? this.clock();
  }

  private execute(s: KrakenSession, host: Host, req: KrakenRequest, timeIn: number): void {
    const at: RequestTimes = { reqId: req.reqId, timeIn };
    if (req.method === 'ping') {
      host.send(s, encodeKrakenPong({ ...at, timeOut: this.now() }));
      return;
    }
    for (const symbol of req.symbols) {
      const refusal = symbolRefusal(symbol, (name) => this.timeline.market(name) !== undefined);
      if (refusal !== undefined) {
        this.failure(s, host, req.method, refusal.error, refusal.symbol, at);
        continue;
      }
      const sub = subscriptionOf(req.options, symbol as string);
      if (req.method === 'subscribe') this.subscribe(s, host, sub, req.options.snapshot, at);
      else this.unsubscribe(s, host, sub, at);
    }
  }

  private subscribe(
    s: KrakenSession,
    host: Host,
    sub: KrakenSubscription,
    snapshot: boolean,
    at: RequestTimes,
  ): void {
    const channel = channelOf(sub);
    if (s.channels.has(channel)) {
      this.failure(s, host, 'subscribe', KRAKEN_HUB_ERRORS.alreadySubscribed, sub.symbol, at);
      return;
    }
    host.send(s, encodeKrakenAck('subscribe', ackResult(sub, snapshot), { ...at, timeOut: this.now() }));
    host.subscribe(s, channel, snapshot ? this.timeline.snapshot(sub) : undefined);
    s.state.heartbeats = true;
  }

  private unsubscribe(s: KrakenSession, host: Host, sub: KrakenSubscription, at: RequestTimes): void {
    const channel = channelOf(sub);
    if (!s.channels.has(channel)) {
      this.failure(s, host, 'unsubscribe', KRAKEN_HUB_ERRORS.notSubscribed, sub.symbol, at);
      return;
    }
    host.unsubscribe(s, channel);
    host.send(s, encodeKrakenAck('unsubscribe', ackResult(sub, undefined), { ...at, timeOut: this.now() }));
  }

  private failure(
    s: KrakenSession,
    host: Host,
    method: string,
    error: string,
    symbol: string | undefined,
    at: RequestTimes,
  ): void {
    this.counters.failures++;
    host.send(
      s,
      encodeKrakenAckError(method, error, symbol, {
        reqId: at.reqId,
        timeIn: at.timeIn,
        timeOut: this.now(),
      }),
    );
  }
}

function subscriptionOf(o: SubscriptionOptions, symbol: string): KrakenSubscription {
  switch (o.channel) {
    case 'book':
      return { channel: 'book', symbol, depth: o.depth };
    case 'trade':
      return { channel: 'trade', symbol };
    case 'ticker':
      return { channel: 'ticker', symbol, trigger: o.trigger };
    case 'ohlc':
      return { channel: 'ohlc', symbol, interval: o.interval };
  }
}
