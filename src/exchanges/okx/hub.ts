/**
 * OKX v5 public WebSocket as the replay hub speaks it at `/okx/ws/v5/public` (trades, books,
 * books5, bbo-tbt, tickers) and `/okx/ws/v5/business` (candle1m): the host rules it runs under
 * and its answer to each client frame.
 *
 * - The literal text `ping` → the literal text `pong` [doc].
 * - `subscribe` / `unsubscribe`: one `event` ack per arg, in order, `id` echoed when given and
 *   `connId` (8 hex characters, one per connection [doc]) on every event. A subscription's
 *   first push (the `books` snapshot, the current books5 / bbo-tbt / ticker / open candle) goes
 *   to that connection alone right after its ack, ahead of every later push. Subscribing again
 *   to what is subscribed is acked again with no second snapshot; unsubscribing from what is
 *   not subscribed is acked too [unconfirmed: OKX acks both].
 * - Errors (hub-requests.ts) are `{"event":"error",…}` and the connection stays open.
 * - Rate [third-party summaries of the docs]: 3 requests a second per connection (the host's
 *   rate window, answered 60014 instead of a close) and 480 subscribe / unsubscribe requests an
 *   hour per connection (60014 once over).
 * - Keepalive [doc]: OKX closes a connection it has pushed nothing to for 30 s (no data, no
 *   pong): the host's `silentTimeoutMs`. While a `books` subscription's book does not change,
 *   each quiet tick (10 s [unconfirmed: OKX's interval]) sends it the no-change update (empty
 *   sides, `prevSeqId` = `seqId`) [doc], which also keeps a books subscriber connected.
 * - The close OKX uses for the 30 s cut is 4004 "No data received in 30s" [unconfirmed].
 */
import { randomBytes } from 'node:crypto';
import type {
  HostRules,
  Session,
  SessionHost,
  UpgradeVerdict,
  VenueProtocol,
} from '../../replay/venue-host.js';
import { OKX_WS_PATHS, fanoutChannel, serviceOfPath, type OkxService } from './channels.js';
import { OKX_PONG, encodeOkxAck, encodeOkxError } from './encoder.js';
import { OKX_HUB_ERRORS, ackArg, checkArg, parseOkxRequest, type OkxHubError } from './hub-requests.js';
import type { OkxTimeline } from './timeline.js';

/** Subscribe / unsubscribe requests allowed per connection per hour [third-party summary of doc]. */
export const OKX_OPS_PER_HOUR = 480;
const HOUR_MS = 3_600_000;

export const OKX_HOST_RULES: Partial<HostRules> = {
  pingIntervalMs: 0,
  idleTimeoutMs: 0,
  silentTimeoutMs: 30_000,
  maxIncoming: 3,
  rateWindowMs: 1000,
  countControlFrames: false,
  maxLifetimeMs: 0,
  // Past OKX's 64 KB request limit, so an oversized request is answered, not cut by `ws`.
  maxPayloadBytes: 2 * 1024 * 1024,
  tickMs: 10_000,
};

export interface OkxSessionState {
  readonly service: OkxService;
  readonly connId: string;
  /** Times of the subscribe / unsubscribe requests of the last hour, oldest first. */
  readonly ops: number[];
}

export interface OkxProtocolCounters {
  requests: number;
  errors: number;
  bookKeepalives: number;
}

type Host = SessionHost<OkxSessionState>;
type OkxSession = Session<OkxSessionState>;

export class OkxProtocol implements VenueProtocol<OkxSessionState> {
  readonly counters: OkxProtocolCounters = { requests: 0, errors: 0, bookKeepalives: 0 };

  constructor(
    private readonly timeline: OkxTimeline,
    private readonly prefix: string,
    private readonly clock: () => number,
    private readonly tickMs: number,
  ) {}

  accept({ subPath, path }: { subPath: string; path: string }): UpgradeVerdict<OkxSessionState> {
    const service = serviceOfPath(subPath);
    if (service !== undefined) {
      return { accept: true, state: { service, connId: randomBytes(4).toString('hex'), ops: [] } };
    }
    const paths = Object.values(OKX_WS_PATHS).map((p) => this.prefix + p);
    return {
      accept: false,
      status: 404,
      body: { error: `no OKX WebSocket service at ${path}; use ${paths.join(' or ')}`, path },
    };
  }

  message(s: OkxSession, data: Buffer, _isBinary: boolean, host: Host): void {
    this.counters.requests++;
    if (data.length === 4 && data.toString('utf8') === 'ping') {
      host.send(s, OKX_PONG);
      return;
    }
    const parsed = parseOkxRequest(data);
    if (!parsed.ok) {
      this.error(s, host, parsed.error, parsed.id);
      return;
    }
    const { op, id, args } = parsed.request;
    if (!this.withinHourlyLimit(s)) {
      this.error(s, host, OKX_HUB_ERRORS.tooFrequent, id);
      return;
    }
    for (const raw of args) {
      const arg = checkArg(raw, s.state.service, (instId) => this.timeline.market(instId) !== undefined);
      if (!arg.ok) {
        this.error(s, host, arg.error, id);
        continue;
      }
      const channel = fanoutChannel(arg.channel, arg.instId);
      host.send(s, encodeOkxAck(op, ackArg(arg.channel, arg.instId), s.state.connId, id));
      if (op === 'unsubscribe') host.unsubscribe(s, channel);
      else if (!s.channels.has(channel)) {
        host.subscribe(s, channel, this.timeline.snapshot(arg.channel, arg.instId));
      }
    }
  }

  overRate(s: OkxSession, data: Buffer, host: Host): void {
    const parsed = parseOkxRequest(data);
    this.error(s, host, OKX_HUB_ERRORS.tooFrequent, parsed.ok ? parsed.request.id : parsed.id);
  }

  farewell(_s: OkxSession, reason: string): { code: number; reason: string } {
    if (reason === 'idle') return { code: 4004, reason: 'No data received in 30s' };
    if (reason === 'slow') return { code: 1013, reason: 'Slow consumer' };
    return { code: 1001, reason: 'Server shutting down' };
  }

  /** On a quiet tick, the no-change update for each subscribed book unchanged for a tick. */
  tick(s: OkxSession, host: Host, now: number, quiet: boolean): void {
    if (!quiet) return;
    for (const channel of s.channels) {
      if (!channel.startsWith('books:')) continue;
      const instId = channel.slice('books:'.length);
      const market = this.timeline.market(instId);
      if (market === undefined || now - market.bookChangedAt < this.tickMs) continue;
      const frame = this.timeline.bookKeepalive(instId);
      if (frame === undefined) continue;
      this.counters.bookKeepalives++;
      host.send(s, frame);
    }
  }

  /** Count one subscribe / unsubscribe request; false once the hour's allowance is spent. */
  private withinHourlyLimit(s: OkxSession): boolean {
    const now = this.clock();
    const ops = s.state.ops;
    while (ops.length > 0 && now - ops[0] >= HOUR_MS) ops.shift();
    if (ops.length >= OKX_OPS_PER_HOUR) return false;
    ops.push(now);
    return true;
  }

  private error(s: OkxSession, host: Host, error: OkxHubError, id: string | undefined): void {
    this.counters.errors++;
    host.send(s, encodeOkxError(error.code, error.msg, s.state.connId, id));
  }
}
