/**
 * The WebSocket side of every replay venue: upgrade, the venue's routing verdict, inbound
 * message-rate window, server ping with a pong deadline, idle and lifetime cuts, close → grace →
 * terminate, and the shared channel fan-out. A venue supplies only its {@link VenueProtocol}
 * (what a path means, how a control message is answered, what to say on the way out); the host
 * runs it. Nothing here knows an exchange.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import type { Logger } from '../core/logger.js';
import { ChannelFanout, type ChannelFanoutCounters, type PayloadJoiner } from '../net/channel-fanout.js';
import type { SentByType, StreamType } from '../net/stream-type.js';
import type { FaultTap } from './fault-tap.js';
import { rejectUpgrade } from './http.js';

export interface HostRules {
  /** Server PING frames every this many ms; 0 for venues whose heartbeat is an app message. */
  readonly pingIntervalMs: number;
  /** With pings: cut a consumer that has not echoed one of them for this long. */
  readonly pongTimeoutMs: number;
  /** Close a consumer that sent nothing for this long; 0 = never. */
  readonly idleTimeoutMs: number;
  /**
   * Close a consumer that was sent nothing for this long (OKX: 30 s without a push or a pong);
   * 0 = never. Judged from the socket's written bytes at each sweep, so it is as coarse as the
   * sweep (a quarter of the shortest deadline, at most 1 s).
   */
  readonly silentTimeoutMs: number;
  /** Inbound frames allowed per `rateWindowMs`; 0 = unlimited. */
  readonly maxIncoming: number;
  readonly rateWindowMs: number;
  /** PING and PONG frames count toward the inbound rate (Binance: they do). */
  readonly countControlFrames: boolean;
  /** Connection lifetime (Binance: 24 h); 0 = unlimited. */
  readonly maxLifetimeMs: number;
  /** How long a close handshake may take before the socket is destroyed. */
  readonly closeTimeoutMs: number;
  /** Largest inbound frame; beyond it `ws` closes with 1009. */
  readonly maxPayloadBytes: number;
  /** A consumer whose socket holds more unsent bytes than this is dropped. */
  readonly maxBufferedBytes: number;
  /** Period of the protocol's `tick` (venue heartbeats, auth deadlines); 0 = no tick. */
  readonly tickMs: number;
}

export const DEFAULT_HOST_RULES: HostRules = Object.freeze({
  pingIntervalMs: 0,
  pongTimeoutMs: 60_000,
  idleTimeoutMs: 0,
  silentTimeoutMs: 0,
  maxIncoming: 0,
  rateWindowMs: 1000,
  countControlFrames: false,
  maxLifetimeMs: 0,
  closeTimeoutMs: 1000,
  maxPayloadBytes: 256 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  tickMs: 0,
});

/** One consumer connection. `state` is the venue's own per-connection state. */
export class Session<S> {
  readonly id: number;
  readonly ws: WebSocket;
  readonly socket: Duplex;
  readonly state: S;
  /** Channels subscribed, in subscription order. */
  readonly channels = new Set<string>();
  /** Whether data frames arrive inside the channel envelope (Binance combined streams). */
  wrapped: boolean;
  readonly connectedAt: number;
  lastPongAt: number;
  lastInboundAt: number;
  /** Bytes the socket had written at the previous tick (to tell a quiet connection). */
  bytesAtTick: number;
  /** Bytes the socket had written at the previous sweep, and when that count last moved. */
  bytesAtSweep: number;
  lastOutboundAt: number;
  windowStart: number;
  windowCount: number;
  /** Set once the host decided to close it: no more frames, no more requests. */
  closing: boolean;

  constructor(id: number, ws: WebSocket, socket: Duplex, state: S, wrapped: boolean, now: number) {
    this.id = id;
    this.ws = ws;
    this.socket = socket;
    this.state = state;
    this.wrapped = wrapped;
    this.connectedAt = now;
    this.lastPongAt = now;
    this.lastInboundAt = now;
    this.bytesAtTick = 0;
    this.bytesAtSweep = 0;
    this.lastOutboundAt = now;
    this.windowStart = now;
    this.windowCount = 0;
    this.closing = false;
  }
}

/** The venue's verdict on an upgrade. */
export type UpgradeVerdict<S> =
  | {
      readonly accept: true;
      readonly state: S;
      readonly wrapped?: boolean;
      readonly channels?: readonly string[];
    }
  | { readonly accept: false; readonly status: number; readonly body: unknown };

export interface UpgradeRequest {
  readonly req: IncomingMessage;
  /** The path below the venue prefix (`''` or starting with `/`). */
  readonly subPath: string;
  readonly query: URLSearchParams;
  /** Prefix + subPath, for messages. */
  readonly path: string;
}

/** Why the host is closing a session on its own: the protocol may say goodbye first. */
export type HostCloseReason = 'shutdown' | 'lifetime' | 'rate' | 'idle' | 'slow';

/** What a venue decides; the host does the rest. */
export interface VenueProtocol<S> {
  accept(upgrade: UpgradeRequest): UpgradeVerdict<S>;
  /** The socket is open (welcome or status messages). */
  opened?(session: Session<S>, host: SessionHost<S>): void;
  /** One inbound data frame that passed the rate window. */
  message(session: Session<S>, data: Buffer, isBinary: boolean, host: SessionHost<S>): void;
  /**
   * A data frame over the inbound rate window. Without this hook the host closes the session
   * (farewell `rate`); with it the venue answers instead (OKX: an error event, connection kept)
   * and the frame is not handed to {@link message}.
   */
  overRate?(session: Session<S>, data: Buffer, host: SessionHost<S>): void;
  /** The close the host uses for `reason`, and an optional last frame before it (a Buffer: binary). */
  farewell(
    session: Session<S>,
    reason: HostCloseReason,
  ): { code: number; reason: string; frame?: string | Buffer };
  /**
   * Runs every `tickMs` for each open session (app heartbeats, auth deadlines); `quiet` is true
   * when nothing at all was sent to it since the previous tick.
   */
  tick?(session: Session<S>, host: SessionHost<S>, now: number, quiet: boolean): void;
  closed?(session: Session<S>): void;
}

/** The host's side of a session, handed to the protocol. */
export interface SessionHost<S> {
  /** A reply or notice now, ahead of any queued data: text, or a binary frame for a Buffer. */
  send(session: Session<S>, data: string | Buffer): void;
  /**
   * Join `channel`. With `first` (a snapshot), that frame goes to this session alone, ahead of
   * every later payload of the channel, and payloads queued before it joined go only to the
   * earlier subscribers: the snapshot already holds them.
   */
  subscribe(session: Session<S>, channel: string, first?: string): void;
  unsubscribe(session: Session<S>, channel: string): void;
  setWrapped(session: Session<S>, wrapped: boolean): void;
  close(session: Session<S>, code: number, reason: string): void;
  now(): number;
}

/** What a venue's timeline publishes through: serialized payloads, per channel (the host's fan-out). */
export interface ChannelPublisher {
  /** True while `channel` has a subscriber (a derived payload is worth computing). */
  has(channel: string): boolean;
  /** Queue one serialized payload on `channel`; nothing happens when nobody listens. */
  publish(channel: string, payload: Buffer): void;
}

export interface HostCounters {
  connectionsOpened: number;
  upgradesRejected: number;
  inboundMessages: number;
  rateLimitCloses: number;
  /** Frames over the rate window answered by the protocol (`overRate`) instead of a close. */
  rateLimited: number;
  pingsSent: number;
  pongTimeouts: number;
  idleCloses: number;
  lifetimeCloses: number;
}

export interface VenueHostOptions<S> {
  readonly protocol: VenueProtocol<S>;
  readonly rules?: Partial<HostRules>;
  readonly logger: Logger;
  /** Wall clock for rate windows and heartbeats (default `Date.now`). */
  readonly now?: () => number;
  /** Bounded write delay of the fan-out (default 0: flush after the turn). */
  readonly flushDelayMs?: number;
  /** Channels whose payloads of one flush leave as one frame (see ChannelFanoutOptions.joiner). */
  readonly joiner?: (channel: string) => PayloadJoiner | undefined;
  /** The kind of stream a channel carries, for `/metrics` (asked once per channel; default `other`). */
  readonly channelType?: (channel: string) => StreamType;
}

/** What a host has sent its consumers, read at scrape time. */
export interface HostTraffic {
  /** Open consumer connections. */
  readonly consumers: number;
  /** Cumulative messages and bytes by stream type (live arrays owned by the fan-out). */
  readonly sent: SentByType;
}

/** Hosts one venue's consumer connections; the venue publishes through {@link publish}. */
export class VenueHost<S> implements SessionHost<S>, ChannelPublisher {
  readonly rules: HostRules;
  readonly own: HostCounters = {
    connectionsOpened: 0,
    upgradesRejected: 0,
    inboundMessages: 0,
    rateLimitCloses: 0,
    rateLimited: 0,
    pingsSent: 0,
    pongTimeouts: 0,
    idleCloses: 0,
    lifetimeCloses: 0,
  };
  private readonly protocol: VenueProtocol<S>;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly wss: WebSocketServer;
  private readonly fanout: ChannelFanout<Session<S>>;
  private readonly sessions = new Set<Session<S>>();
  /** Payloads of the pings still inside the pong deadline. */
  private readonly recentPings: Buffer[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private nextId = 0;
  private closed = false;
  private faults: FaultTap<S> | undefined = undefined;

  constructor(opts: VenueHostOptions<S>) {
    const rules = { ...DEFAULT_HOST_RULES, ...opts.rules };
    this.rules = rules;
    this.protocol = opts.protocol;
    this.logger = opts.logger;
    this.clock = opts.now ?? Date.now;
    const wsOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: rules.maxPayloadBytes,
      closeTimeout: rules.closeTimeoutMs,
    };
    this.wss = new WebSocketServer(wsOptions);
    this.fanout = new ChannelFanout<Session<S>>({
      maxBufferedBytes: rules.maxBufferedBytes,
      flushDelayMs: opts.flushDelayMs,
      joiner: opts.joiner,
      streamType: opts.channelType,
      onSlow: (s) => {
        this.logger.warn({ conn: s.id, buffered: s.socket.writableLength }, 'dropping slow consumer');
        this.hostClose(s, 'slow');
      },
    });
    if (rules.pingIntervalMs > 0) {
      this.timers.push(setInterval(() => this.pingAll(), rules.pingIntervalMs).unref());
    }
    const sweepMs = Math.max(10, Math.min(1000, Math.floor(this.shortestDeadline() / 4)));
    this.timers.push(setInterval(() => this.sweep(), sweepMs).unref());
    if (rules.tickMs > 0 && this.protocol.tick !== undefined) {
      this.timers.push(setInterval(() => this.tickAll(), rules.tickMs).unref());
    }
  }

  get consumers(): number {
    return this.sessions.size;
  }

  traffic(): HostTraffic {
    return { consumers: this.sessions.size, sent: this.fanout.sent };
  }

  counters(): HostCounters & ChannelFanoutCounters {
    return { ...this.own, ...this.fanout.counters };
  }

  now(): number {
    return this.clock();
  }

  /** True while `channel` has a subscriber (a derived payload is worth computing). */
  has(channel: string): boolean {
    return this.fanout.has(channel);
  }

  /** Queue one serialized payload on `channel` (through the fault tap when one is set). */
  publish(channel: string, payload: Buffer): void {
    if (this.faults === undefined) this.fanout.publish(channel, payload);
    else this.faults.publish(channel, payload);
  }

  /** Queue a payload past the fault tap (the tap's own way out). */
  publishNow(channel: string, payload: Buffer): void {
    this.fanout.publish(channel, payload);
  }

  /** Route publishes, subscriptions and closes through `tap` (fault injection). */
  setFaults(tap: FaultTap<S>): void {
    this.faults = tap;
  }

  /** Close `s` on the host's own initiative, with the protocol's farewell for `why`. */
  closeAs(s: Session<S>, why: HostCloseReason): void {
    this.hostClose(s, why);
  }

  /** Every open session (for venue-wide notices). */
  all(): Iterable<Session<S>> {
    return this.sessions;
  }

  handleUpgrade(upgrade: UpgradeRequest, socket: Duplex, head: Buffer): void {
    if (this.closed)
      return this.reject(socket, 503, { error: 'endpoint is shutting down', path: upgrade.path });
    const verdict = this.protocol.accept(upgrade);
    if (!verdict.accept) return this.reject(socket, verdict.status, verdict.body);
    this.wss.handleUpgrade(upgrade.req, socket, head, (ws) => this.attach(ws, socket, verdict));
  }

  // ---- SessionHost

  send(s: Session<S>, data: string | Buffer): void {
    if (s.closing) return;
    this.fanout.send(s, data, typeof data !== 'string');
  }

  subscribe(s: Session<S>, channel: string, first?: string): void {
    if (s.channels.has(channel)) return;
    if (first !== undefined && this.fanout.has(channel)) this.fanout.flush();
    s.channels.add(channel);
    this.fanout.subscribe(s, channel, s.wrapped);
    if (first !== undefined && !s.closing) this.fanout.send(s, first, false, channel);
    this.faults?.subscribed(channel);
  }

  unsubscribe(s: Session<S>, channel: string): void {
    if (!s.channels.delete(channel)) return;
    this.fanout.unsubscribe(s, channel);
  }

  setWrapped(s: Session<S>, wrapped: boolean): void {
    if (s.wrapped === wrapped) return;
    s.wrapped = wrapped;
    for (const ch of s.channels) {
      this.fanout.unsubscribe(s, ch);
      this.fanout.subscribe(s, ch, wrapped);
    }
  }

  close(s: Session<S>, code: number, reason: string): void {
    if (s.closing) return;
    s.closing = true;
    this.leaveAll(s);
    s.ws.close(code, reason);
  }

  /** Say goodbye to every consumer, wait for the close handshakes (bounded), then stop. */
  async closeAll(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.faults?.close();
    const all = [...this.sessions];
    const done = all.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.ws.readyState === WebSocket.CLOSED) resolve();
          else s.ws.once('close', () => resolve());
        }),
    );
    for (const s of all) this.hostClose(s, 'shutdown');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(done),
      new Promise<void>((r) => (timer = setTimeout(r, this.rules.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    for (const s of this.sessions) s.ws.terminate();
    // A terminated socket reports its close at once.
    await Promise.all(done);
    this.fanout.close();
    this.wss.close();
  }

  // ---- connections

  private reject(socket: Duplex, status: number, body: unknown): void {
    this.own.upgradesRejected++;
    rejectUpgrade(socket, status, body);
  }

  private attach(ws: WebSocket, socket: Duplex, verdict: UpgradeVerdict<S> & { accept: true }): void {
    const s = new Session<S>(
      ++this.nextId,
      ws,
      socket,
      verdict.state,
      verdict.wrapped ?? false,
      this.clock(),
    );
    this.own.connectionsOpened++;
    this.sessions.add(s);
    for (const ch of verdict.channels ?? []) this.subscribe(s, ch);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(s, data, isBinary));
    ws.on('ping', () => this.inbound(s, true, undefined));
    ws.on('pong', (data: Buffer) => this.onPong(s, data));
    ws.on('error', (err: Error) =>
      this.logger.debug({ conn: s.id, err: err.message }, 'consumer socket error'),
    );
    ws.on('close', () => {
      s.closing = true;
      this.sessions.delete(s);
      this.leaveAll(s);
      this.protocol.closed?.(s);
    });
    this.logger.debug({ conn: s.id, channels: s.channels.size }, 'consumer connected');
    this.protocol.opened?.(s, this);
  }

  private leaveAll(s: Session<S>): void {
    for (const ch of s.channels) this.fanout.unsubscribe(s, ch);
  }

  /** Close on the host's own initiative, with the protocol's goodbye. */
  private hostClose(s: Session<S>, why: HostCloseReason): void {
    if (s.closing) return;
    const bye = this.protocol.farewell(s, why);
    // Straight to the socket: the fan-out's budget check would hand a slow consumer back here.
    if (bye.frame !== undefined && s.ws.readyState === WebSocket.OPEN) {
      s.ws.send(bye.frame, { binary: typeof bye.frame !== 'string' });
    }
    this.close(s, bye.code, bye.reason);
  }

  /**
   * Count one inbound frame; over the limit false is returned and the session closed, or the
   * data frame handed to the protocol's `overRate` when it has one.
   */
  private inbound(s: Session<S>, control: boolean, data: Buffer | undefined): boolean {
    if (s.closing) return false;
    const t = this.clock();
    s.lastInboundAt = t;
    const max = this.rules.maxIncoming;
    if (max === 0 || (control && !this.rules.countControlFrames)) return true;
    if (t - s.windowStart >= this.rules.rateWindowMs) {
      s.windowStart = t;
      s.windowCount = 0;
    }
    if (++s.windowCount <= max) return true;
    if (data !== undefined && this.protocol.overRate !== undefined) {
      this.own.rateLimited++;
      this.protocol.overRate(s, data, this);
      return false;
    }
    this.own.rateLimitCloses++;
    this.hostClose(s, 'rate');
    return false;
  }

  private onPong(s: Session<S>, data: Buffer): void {
    if (!this.inbound(s, true, undefined)) return;
    const pings = this.recentPings;
    for (let i = 0; i < pings.length; i++) {
      if (pings[i].equals(data)) {
        s.lastPongAt = this.clock();
        return;
      }
    }
  }

  private onMessage(s: Session<S>, data: RawData, isBinary: boolean): void {
    const frame = toBuffer(data);
    if (!this.inbound(s, false, frame)) return;
    this.own.inboundMessages++;
    this.protocol.message(s, frame, isBinary, this);
  }

  // ---- heartbeat, idle and lifetime

  private shortestDeadline(): number {
    const r = this.rules;
    const candidates = [
      r.pingIntervalMs > 0 ? r.pongTimeoutMs : 0,
      r.idleTimeoutMs,
      r.silentTimeoutMs,
      r.maxLifetimeMs,
    ].filter((x) => x > 0);
    return candidates.length === 0 ? 4000 : Math.min(...candidates);
  }

  private pingAll(): void {
    const payload = Buffer.from(String(this.clock()));
    const keep = Math.min(16, Math.ceil(this.rules.pongTimeoutMs / this.rules.pingIntervalMs) + 1);
    this.recentPings.push(payload);
    if (this.recentPings.length > keep) this.recentPings.shift();
    for (const s of this.sessions) {
      if (s.closing) continue;
      s.ws.ping(payload);
      this.own.pingsSent++;
    }
  }

  private sweep(): void {
    const t = this.clock();
    const r = this.rules;
    for (const s of this.sessions) {
      if (s.closing) continue;
      if (r.pingIntervalMs > 0 && t - s.lastPongAt > r.pongTimeoutMs) {
        this.own.pongTimeouts++;
        this.logger.debug({ conn: s.id }, 'no pong within the deadline, closing');
        s.closing = true;
        this.leaveAll(s);
        s.ws.terminate();
      } else if (r.idleTimeoutMs > 0 && t - s.lastInboundAt >= r.idleTimeoutMs) {
        this.own.idleCloses++;
        this.hostClose(s, 'idle');
      } else if (r.silentTimeoutMs > 0 && this.silentFor(s, t) >= r.silentTimeoutMs) {
        this.own.idleCloses++;
        this.hostClose(s, 'idle');
      } else if (r.maxLifetimeMs > 0 && t - s.connectedAt >= r.maxLifetimeMs) {
        this.own.lifetimeCloses++;
        this.hostClose(s, 'lifetime');
      }
    }
  }

  /** How long nothing was written to `s`, as seen by the sweeps. */
  private silentFor(s: Session<S>, t: number): number {
    const written = bytesWritten(s.socket);
    if (written !== s.bytesAtSweep) {
      s.bytesAtSweep = written;
      s.lastOutboundAt = t;
    }
    return t - s.lastOutboundAt;
  }

  private tickAll(): void {
    const protocol = this.protocol;
    if (protocol.tick === undefined) return;
    const t = this.clock();
    for (const s of this.sessions) {
      if (s.closing) continue;
      const written = bytesWritten(s.socket);
      const quiet = written === s.bytesAtTick;
      // Called on the protocol: a class-based protocol keeps its `this`.
      protocol.tick(s, this, t, quiet);
      s.bytesAtTick = bytesWritten(s.socket);
    }
  }
}

/** Bytes handed to the socket so far (written or still queued). */
function bytesWritten(socket: Duplex): number {
  return ((socket as Partial<Socket>).bytesWritten ?? 0) + socket.writableLength;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
