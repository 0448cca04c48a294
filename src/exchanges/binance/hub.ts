/**
 * The replay hub's Binance endpoint: Binance Spot's own stream URLs (`/ws`, `/ws/<streams>`,
 * `/stream?streams=…`), control protocol and connection rules (server ping, pong deadline,
 * 5 incoming messages per second, 1024 streams, 24 h lifetime), plus the REST calls clients
 * sync with — all under `/binance`, fed by replay events.
 *
 * A `/ws/…` path segment that is not a stream name (no `@`, not a `!…` stream: `/ws/0`, as client
 * libraries open before they SUBSCRIBE) is accepted and subscribes nothing, as on Binance.
 *
 * Hub choices where Binance documents nothing: a path that is not a stream endpoint is refused
 * with HTTP 404 JSON, and a segment that names a stream but is malformed (`btcusdt@trades`) with
 * HTTP 400 JSON, as is a well-formed one the replay cannot serve (stream-catalog.ts; on
 * SUBSCRIBE: error code 2, and nothing of that request is subscribed); a consumer that misses the
 * pong deadline is cut (TCP closed, like a dead peer); a consumer whose send buffer passes
 * `maxBufferedBytes` is closed with 1013 "Slow consumer"; on shutdown and at the end of the
 * connection lifetime consumers get Binance's `serverShutdown` event, then close 1001.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { rejectUpgrade, sendJson } from '../../replay/http.js';
import type { VenueEndpoint, VenueStats } from '../../replay/hub.js';
import { BinanceConsumer, BinanceFanout, type FanoutCounters } from './hub-fanout.js';
import { BinanceFeed, type FeedCounters } from './hub-feed.js';
import {
  ControlErrorCode,
  MAX_STREAMS_PER_CONNECTION,
  errorReply,
  isWellFormedStreamName,
  parseControl,
  resultReply,
  type ControlRequest,
} from './hub-protocol.js';
import { handleBinanceRest, type BinanceRestContext } from './hub-rest.js';

export interface BinanceVenueOptions {
  readonly logger: Logger;
  /** Server PING every this many ms (Binance: 20 s). */
  readonly pingIntervalMs?: number;
  /** Cut a consumer with no pong echoing one of our pings for this long (Binance: 1 min). */
  readonly pongTimeoutMs?: number;
  /** Incoming frames (messages, pings, pongs) per second before close 1008 (Binance: 5). */
  readonly maxIncomingPerSecond?: number;
  /** Drop a consumer whose send buffer exceeds this (default 4 MiB). */
  readonly maxBufferedBytes?: number;
  /** Connection lifetime (Binance: 24 h). */
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

export interface BinanceVenueCounters extends FeedCounters, FanoutCounters {
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

const TOO_MANY_STREAMS = `Invalid request: too many streams, at most ${MAX_STREAMS_PER_CONNECTION} per connection`;

/** Build the `/binance` endpoint of the replay hub. */
export function createBinanceVenue(opts: BinanceVenueOptions): BinanceVenue {
  return new BinanceVenueEndpoint(opts);
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A percent-decoded path segment; undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A `streams=a/b` list → `['a','b']`; undefined when a name is not valid percent-encoding. */
function splitStreams(list: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of list.split('/')) {
    if (segment === '') continue;
    const name = decodeSegment(segment);
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

/** Stream names hold `@` (`btcusdt@trade`) or start with `!` (`!bookTicker`). */
function namesAStream(segment: string): boolean {
  return segment.includes('@') || segment.startsWith('!');
}

/**
 * The streams of a raw path (`/ws/a/b` → `['a','b']`). Segments that are not stream names
 * (`/ws/0`, an undecodable `%zz`) are skipped: the connection opens without them.
 */
function rawPathStreams(rest: string): string[] {
  const out: string[] = [];
  for (const segment of rest.split('/')) {
    const name = decodeSegment(segment);
    if (name !== undefined && namesAStream(name)) out.push(name);
  }
  return out;
}

class BinanceVenueEndpoint implements BinanceVenue {
  readonly exchange = 'binance' as const;
  readonly prefix: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly maxIncoming: number;
  private readonly maxLifetimeMs: number;
  private readonly closeTimeoutMs: number;
  private readonly wss: WebSocketServer;
  private readonly fanout: BinanceFanout;
  private readonly feed: BinanceFeed;
  private readonly consumers = new Set<BinanceConsumer>();
  /** Payloads of the pings still inside the pong deadline. */
  private readonly recentPings: Buffer[] = [];
  private readonly maxRecentPings: number;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly own = {
    connectionsOpened: 0,
    upgradesRejected: 0,
    controlRequests: 0,
    controlErrors: 0,
    rateLimitCloses: 0,
    pingsSent: 0,
    pongTimeouts: 0,
    lifetimeCloses: 0,
  };
  private readonly rest: BinanceRestContext;
  private nextId = 0;
  private closed = false;

  constructor(opts: BinanceVenueOptions) {
    this.prefix = opts.prefix ?? '/binance';
    this.logger = opts.logger.child({ venue: 'binance' });
    this.now = opts.now ?? Date.now;
    this.pingIntervalMs = opts.pingIntervalMs ?? 20_000;
    this.pongTimeoutMs = opts.pongTimeoutMs ?? 60_000;
    this.maxIncoming = opts.maxIncomingPerSecond ?? 5;
    this.maxLifetimeMs = opts.maxLifetimeMs ?? 86_400_000;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 1000;
    this.maxRecentPings = Math.min(16, Math.ceil(this.pongTimeoutMs / this.pingIntervalMs) + 1);
    const wsOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: 256 * 1024,
      closeTimeout: this.closeTimeoutMs,
    };
    this.wss = new WebSocketServer(wsOptions);
    this.fanout = new BinanceFanout({
      maxBufferedBytes: opts.maxBufferedBytes ?? 4 * 1024 * 1024,
      onSlowConsumer: (c) => {
        this.logger.warn({ conn: c.id, buffered: c.ws.bufferedAmount }, 'dropping slow consumer');
        c.ws.close(1013, 'Slow consumer');
      },
    });
    this.feed = new BinanceFeed(this.fanout, this.logger);
    this.feed.declare(opts.symbols ?? []);
    this.rest = { feed: this.feed, serverTime: () => this.serverTime() };
    this.pingTimer = setInterval(() => this.pingAll(), this.pingIntervalMs).unref();
    const sweepMs = Math.max(10, Math.min(1000, Math.floor(this.pongTimeoutMs / 4)));
    this.sweepTimer = setInterval(() => this.sweep(), sweepMs).unref();
  }

  // ---- VenueEndpoint

  push(event: ReplayEvent): void {
    this.feed.push(event);
  }

  advanceTo(ts: number): void {
    this.feed.advanceTo(ts);
  }

  handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void {
    if (subPath === '/ws' || subPath.startsWith('/ws/') || subPath === '/stream' || subPath === '/stream/') {
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
    const path = this.prefix + subPath;
    if (this.closed) return this.reject(socket, 503, { error: 'endpoint is shutting down', path });
    let combined: boolean;
    let streams: string[] | undefined;
    if (subPath === '/ws' || subPath.startsWith('/ws/')) {
      combined = false;
      streams = rawPathStreams(subPath.slice(3));
    } else if (subPath === '/stream' || subPath === '/stream/') {
      combined = true;
      // URLSearchParams reads `+` as a space; stream names never hold spaces (`@+08:00` does hold `+`).
      streams = splitStreams((query.get('streams') ?? '').replace(/ /g, '+'));
    } else {
      return this.reject(socket, 404, { error: `no Binance stream endpoint at ${path}`, path });
    }
    if (streams === undefined) return this.reject(socket, 400, { error: 'malformed stream list', path });
    for (const s of streams) {
      if (!isWellFormedStreamName(s))
        return this.reject(socket, 400, { error: `invalid stream name ${s}`, path });
      const refusal = this.feed.refusal(s);
      if (refusal !== undefined)
        return this.reject(socket, 400, { error: `stream ${s} is not available: ${refusal}`, path });
    }
    if (new Set(streams).size > MAX_STREAMS_PER_CONNECTION) {
      return this.reject(socket, 400, { error: TOO_MANY_STREAMS, path });
    }
    const list = streams;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, socket, combined, list));
  }

  stats(): VenueStats {
    const symbols = this.feed.all().map((f) => f.state.symbol);
    return {
      exchange: this.exchange,
      prefix: this.prefix,
      symbols,
      consumers: this.consumers.size,
      replayTime: this.feed.replayTime,
      counters: { ...this.counters() },
    };
  }

  counters(): BinanceVenueCounters {
    return { ...this.feed.counters, ...this.fanout.counters, ...this.own };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pingTimer);
    clearInterval(this.sweepTimer);
    const all = [...this.consumers];
    const done = all.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === c.ws.CLOSED) resolve();
          else c.ws.once('close', () => resolve());
        }),
    );
    for (const c of all) {
      this.sendShutdown(c);
      this.closeConsumer(c, 1001, 'Server shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(done),
      new Promise<void>((r) => (timer = setTimeout(r, this.closeTimeoutMs))),
    ]);
    clearTimeout(timer);
    for (const c of this.consumers) c.ws.terminate();
    this.fanout.close();
    this.wss.close();
  }

  // ---- connections

  private reject(socket: Duplex, status: number, body: unknown): void {
    this.own.upgradesRejected++;
    rejectUpgrade(socket, status, body);
  }

  private serverTime(): number {
    return this.feed.replayTime ?? this.now();
  }

  private attach(ws: WebSocket, socket: Duplex, combined: boolean, streams: readonly string[]): void {
    const c = new BinanceConsumer(++this.nextId, ws, socket, combined, this.now());
    this.own.connectionsOpened++;
    this.consumers.add(c);
    for (let i = 0; i < streams.length; i++) this.fanout.subscribe(c, streams[i]);
    ws.on('message', (data: RawData) => this.onMessage(c, data));
    ws.on('ping', () => this.countIncoming(c));
    ws.on('pong', (data: Buffer) => this.onPong(c, data));
    ws.on('error', (err: Error) =>
      this.logger.debug({ conn: c.id, err: err.message }, 'consumer socket error'),
    );
    ws.on('close', () => {
      c.closing = true;
      this.consumers.delete(c);
      this.fanout.remove(c);
    });
    this.logger.debug({ conn: c.id, combined, streams: streams.length }, 'consumer connected');
  }

  /** Leave every stream and start the close handshake. */
  private closeConsumer(c: BinanceConsumer, code: number, reason: string): void {
    c.closing = true;
    this.fanout.remove(c);
    c.ws.close(code, reason);
  }

  /** Count one incoming frame; over the limit the consumer is closed (1008) and false returned. */
  private countIncoming(c: BinanceConsumer): boolean {
    if (c.closing) return false;
    const t = this.now();
    if (t - c.windowStart >= 1000) {
      c.windowStart = t;
      c.windowCount = 0;
    }
    if (++c.windowCount <= this.maxIncoming) return true;
    this.own.rateLimitCloses++;
    this.closeConsumer(c, 1008, 'Too many requests');
    return false;
  }

  private onPong(c: BinanceConsumer, data: Buffer): void {
    if (!this.countIncoming(c)) return;
    const pings = this.recentPings;
    for (let i = 0; i < pings.length; i++) {
      if (pings[i].equals(data)) {
        c.lastPongAt = this.now();
        return;
      }
    }
  }

  private onMessage(c: BinanceConsumer, data: RawData): void {
    if (!this.countIncoming(c)) return;
    this.own.controlRequests++;
    const parsed = parseControl(toBuffer(data));
    if (!parsed.ok) {
      this.own.controlErrors++;
      this.fanout.sendTo(c, parsed.reply);
      return;
    }
    this.fanout.sendTo(c, this.execute(c, parsed.request));
  }

  private execute(c: BinanceConsumer, req: ControlRequest): string {
    switch (req.method) {
      case 'SUBSCRIBE': {
        const fresh = new Set<string>();
        for (const s of req.streams) {
          if (c.streams.has(s)) continue;
          const refusal = this.feed.refusal(s);
          if (refusal !== undefined) {
            this.own.controlErrors++;
            return errorReply(
              ControlErrorCode.InvalidRequest,
              `Invalid request: stream \`${s}\` is not available: ${refusal}`,
              req.id,
            );
          }
          fresh.add(s);
        }
        if (c.streams.size + fresh.size > MAX_STREAMS_PER_CONNECTION) {
          this.own.controlErrors++;
          return errorReply(ControlErrorCode.InvalidRequest, TOO_MANY_STREAMS, req.id);
        }
        for (const s of fresh) this.fanout.subscribe(c, s);
        return resultReply(null, req.id);
      }
      case 'UNSUBSCRIBE':
        for (const s of req.streams) this.fanout.unsubscribe(c, s);
        return resultReply(null, req.id);
      case 'LIST_SUBSCRIPTIONS':
        return resultReply([...c.streams], req.id);
      case 'SET_PROPERTY':
        this.fanout.setCombined(c, req.value);
        return resultReply(null, req.id);
      case 'GET_PROPERTY':
        return resultReply(c.combined, req.id);
    }
  }

  // ---- heartbeat and lifetime

  private pingAll(): void {
    const payload = Buffer.from(String(this.now()));
    this.recentPings.push(payload);
    if (this.recentPings.length > this.maxRecentPings) this.recentPings.shift();
    for (const c of this.consumers) {
      if (c.closing) continue;
      c.ws.ping(payload);
      this.own.pingsSent++;
    }
  }

  private sweep(): void {
    const t = this.now();
    for (const c of this.consumers) {
      if (c.closing) continue;
      if (t - c.lastPongAt > this.pongTimeoutMs) {
        this.own.pongTimeouts++;
        this.logger.debug({ conn: c.id }, 'no pong within the deadline, closing');
        c.closing = true;
        this.fanout.remove(c);
        c.ws.terminate();
      } else if (t - c.connectedAt >= this.maxLifetimeMs) {
        this.own.lifetimeCloses++;
        this.sendShutdown(c);
        this.closeConsumer(c, 1001, 'Connection lifetime reached');
      }
    }
  }

  /** Binance's planned-disconnect notice, in the consumer's envelope. */
  private sendShutdown(c: BinanceConsumer): void {
    const data = { e: 'serverShutdown', E: this.serverTime() };
    this.fanout.sendTo(c, JSON.stringify(c.combined ? { stream: '!serverShutdown', data } : data));
  }
}
