import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Bus, BusHandler, StreamPosition } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import type { SentByType } from '../net/stream-type.js';
import { wireFormatOf } from './compact.js';
import { TopicFanout, type DemandListener, type TopicView } from './fanout.js';
import type { LatencySampler } from './latency-sampler.js';
import { DEFAULT_WRITE_DELAY_MS, type GatewayLimits } from './limits.js';
import { sinceByKey, startRecovery, type RecoveringStream } from './ws-recovery.js';
import { GatewayAccess, refuseUpgrade, type AccessRefusal } from './access.js';
import { ANY_STREAM, type StreamGrant } from './auth.js';
import { SLOW_CONSUMER_CLOSE, slowConsumerNotice } from './slow-consumer.js';
import { isStatefulStream, parseStream, sourceRefusal, type StreamSources } from './streams.js';
import {
  TokenBucket,
  WsErrorCode,
  errorReply,
  oversizedMessageError,
  parseControlMessage,
  resultReply,
  type ControlRequest,
  type RequestId,
} from './ws-protocol.js';
import { ClientTopics } from './client-topics.js';

export interface WsStats {
  connections: number;
  /** Client-stream pairs. */
  subscriptions: number;
  /** Topics this gateway listens to on the bus (clients and internal watchers). */
  busTopics: number;
  busMessages: number;
  /** Frame batches built: one per topic per flush with ≥1 client, however many clients. */
  batchesFramed: number;
  /** Messages delivered to clients (messages × clients). */
  deliveries: number;
  /** Socket writes: one per client per topic per flush, corked together per client. */
  socketWrites: number;
  latestSent: number;
  controlMessages: number;
  errorsSent: number;
  rateLimited: number;
  oversized: number;
  connectionsRejected: number;
  slowConsumersDropped: number;
  abusiveClosed: number;
  deadPeersTerminated: number;
  /** Upgrades refused for a foreign origin (403) or missing/bad credentials (401). */
  accessRefused: number;
}

export type { DemandListener } from './fanout.js';

export interface WsHubOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly limits: GatewayLimits;
  readonly now?: () => number;
  /** What ingest provides; SUBSCRIBE to a stream outside it is refused. Default: anything. */
  readonly sources?: StreamSources;
  /** Most missed messages a SUBSCRIBE with `since` replays per stream. Default 1000. */
  readonly recoveryMaxMessages?: number;
  /** Samples per-stage latency of what is fanned out (the gateway's `/metrics`). */
  readonly latency?: LatencySampler;
  /** Write delay of the fan-out, ms (default {@link DEFAULT_WRITE_DELAY_MS}; 0 = after every turn). */
  readonly writeDelayMs?: number;
  /** Origin allow-list and auth; default: anyone may connect and subscribe to anything. */
  readonly access?: GatewayAccess;
}

/** Bytes accepted for sending but not yet written to the network, over all clients. */
export interface SendQueueStats {
  readonly totalBytes: number;
  readonly maxBytes: number;
}

/** One stream a client holds: keyed by its canonical name, sent under the name the client used. */
interface Subscription extends TopicView {
  /** Canonical, alias kept (`depth@BTC/USDT`): one subscription per key and client. */
  readonly key: string;
  /** The bus topic (`book_change@BTC/USDT`). */
  readonly topic: string;
}

class Client {
  /** By {@link Subscription.key}. */
  readonly topics = new ClientTopics<Subscription>();
  violations = 0;
  alive = true;
  closed = false;
  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly bucket: TokenBucket,
    /** `?format=compact`: data in the short shapes of compact.ts. */
    readonly compact: boolean,
    readonly grant: StreamGrant,
  ) {}
}

/** The socket's client, set at connection (a property, not a closure per client). */
const CLIENT = Symbol('tickstream client');
type OwnedSocket = WebSocket & { [CLIENT]?: Client };

function sharedListeners(hub: WsHub) {
  const clientOf = (ws: WebSocket): Client | undefined => (ws as OwnedSocket)[CLIENT];
  return {
    message(this: WebSocket, data: RawData, isBinary: boolean): void {
      const c = clientOf(this);
      if (c !== undefined) hub.onMessage(c, data, isBinary);
    },
    pong(this: WebSocket): void {
      const c = clientOf(this);
      if (c !== undefined) c.alive = true;
    },
    close(this: WebSocket): void {
      const c = clientOf(this);
      if (c !== undefined) hub.onClose(c);
    },
    error(this: WebSocket, err: Error & { code?: string }): void {
      const c = clientOf(this);
      if (c !== undefined) hub.handleError(c, err);
    },
  };
}

/**
 * The `/ws` endpoint: control protocol, per-client limits and demand-driven fan-out. Each bus
 * message is turned into one Buffer (and one compact Buffer when a `?format=compact` client
 * listens) that every subscribed client is sent, under the stream name it subscribed with.
 */
export class WsHub {
  private readonly bus: Bus;
  private readonly log: Logger;
  private readonly limits: GatewayLimits;
  private readonly now: () => number;
  private readonly sources: StreamSources | undefined;
  private readonly recoveryMaxMessages: number;
  private readonly access: GatewayAccess;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<Client>();
  private readonly fanout: TopicFanout<Client>;
  private readonly pingTimer: NodeJS.Timeout;
  private readonly counters: WsStats;
  private nextId = 0;
  private subscriptionCount = 0;
  private closing = false;
  /** One set of socket listeners for all clients, not closures per client. */
  private readonly listeners = sharedListeners(this);

  constructor(opts: WsHubOptions) {
    this.bus = opts.bus;
    this.log = opts.logger;
    this.limits = opts.limits;
    this.now = opts.now ?? Date.now;
    this.sources = opts.sources;
    this.recoveryMaxMessages = opts.recoveryMaxMessages ?? 1000;
    this.access = opts.access ?? new GatewayAccess();
    this.fanout = new TopicFanout<Client>({
      bus: this.bus,
      logger: this.log,
      maxBufferedBytes: this.limits.maxBufferedBytes,
      onSlow: (c) => this.dropSlow(c),
      latency: opts.latency,
      flushDelayMs: opts.writeDelayMs ?? DEFAULT_WRITE_DELAY_MS,
    });
    this.wss = new WebSocketServer({
      noServer: true,
      WebSocket: closing1009WithReason(
        `message over ${this.limits.maxPayloadBytes} bytes; send smaller requests`,
      ),
      maxPayload: this.limits.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.counters = {
      connections: 0,
      subscriptions: 0,
      busTopics: 0,
      busMessages: 0,
      batchesFramed: 0,
      deliveries: 0,
      socketWrites: 0,
      latestSent: 0,
      controlMessages: 0,
      errorsSent: 0,
      rateLimited: 0,
      oversized: 0,
      connectionsRejected: 0,
      slowConsumersDropped: 0,
      abusiveClosed: 0,
      deadPeersTerminated: 0,
      accessRefused: 0,
    };
    this.pingTimer = setInterval(() => this.heartbeat(), this.limits.pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Take over an HTTP upgrade already routed to `/ws`: capacity, origin and credentials first. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const format = wireFormatOf(req.url ?? '/');
    if (!format.ok) {
      this.counters.connectionsRejected++;
      refuseUpgrade(socket, { status: 400, code: 'bad_request', msg: format.error });
      return;
    }
    const compact = format.format === 'compact';
    const full = this.capacityRefusal();
    if (full !== undefined) {
      refuseUpgrade(socket, full);
      return;
    }
    this.access.authorize(req).then(
      (r) => {
        if (socket.destroyed) return;
        if (!r.ok) {
          this.counters.accessRefused++;
          this.log.debug({ status: r.refusal.status, code: r.refusal.code }, 'ws upgrade refused');
          refuseUpgrade(socket, r.refusal);
          return;
        }
        const lateFull = this.capacityRefusal();
        if (lateFull !== undefined) {
          refuseUpgrade(socket, lateFull);
          return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, socket, compact, r.grant));
      },
      (err: unknown) => {
        this.log.error({ err }, 'ws upgrade authorization failed');
        socket.destroy();
      },
    );
  }

  private capacityRefusal(): AccessRefusal | undefined {
    if (!this.closing && this.clients.size < this.limits.maxConnections) return undefined;
    this.counters.connectionsRejected++;
    const msg = this.closing
      ? 'server is shutting down; reconnect to another instance'
      : `server is at capacity (${this.limits.maxConnections} connections); retry later`;
    return { status: 503, code: 'unavailable', msg };
  }

  /**
   * Listen to a topic internally (e.g. the price cache) without a client; counts as demand.
   * Returns the function that stops it.
   */
  watch(topic: string, handler: BusHandler): () => void {
    return this.fanout.watch(topic, handler);
  }

  /** Topics some local client or watcher wants, i.e. what ingest should provide. */
  demandedTopics(): string[] {
    return this.fanout.demandedTopics();
  }

  onDemandChange(listener: DemandListener): () => void {
    return this.fanout.onDemandChange(listener);
  }

  stats(): WsStats {
    const s = this.counters;
    s.connections = this.clients.size;
    s.subscriptions = this.subscriptionCount;
    s.busTopics = this.fanout.size;
    const f = this.fanout.counters;
    s.busMessages = f.busMessages;
    s.batchesFramed = f.batchesFramed;
    s.deliveries = f.deliveries;
    s.socketWrites = f.socketWrites;
    return { ...s };
  }

  /** Messages and bytes written to clients by stream type (only grows; read at scrape time). */
  get sent(): SentByType {
    return this.fanout.sent;
  }

  /** Streams with at least one client subscribed. */
  clientTopics(): string[] {
    return this.fanout.clientTopics();
  }

  /** Send backlog of every client, summed and the largest (walks the clients: call at scrape time). */
  sendQueue(): SendQueueStats {
    let totalBytes = 0;
    let maxBytes = 0;
    for (const c of this.clients) {
      const b = c.ws.bufferedAmount;
      totalBytes += b;
      if (b > maxBytes) maxBytes = b;
    }
    return { totalBytes, maxBytes };
  }

  /** Close every client (1001), stop listening to the bus; terminates stragglers after `graceMs`. */
  async close(graceMs = 200): Promise<void> {
    this.closing = true;
    clearInterval(this.pingTimer);
    const pending: Promise<void>[] = [];
    for (const c of this.clients) {
      pending.push(
        new Promise<void>((resolve) => {
          if (c.ws.readyState === WebSocket.CLOSED) resolve();
          else c.ws.once('close', () => resolve());
        }),
      );
      this.detach(c);
      c.closed = true;
      c.ws.close(1001, 'server shutting down');
    }
    this.fanout.close();
    if (pending.length > 0) {
      const timer = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.all(pending), timer]);
      for (const c of this.clients) c.ws.terminate();
    }
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(
    ws: WebSocket,
    socket: Duplex,
    compact: boolean,
    grant: StreamGrant = ANY_STREAM,
  ): void {
    const c = new Client(
      ++this.nextId,
      ws,
      socket,
      new TokenBucket(this.limits.messageRatePerSec, this.limits.messageBurst, this.now),
      compact,
      grant,
    );
    this.clients.add(c);
    (ws as OwnedSocket)[CLIENT] = c;
    // The hub's listeners, shared by every client (each finds its own through the socket).
    ws.on('message', this.listeners.message);
    ws.on('pong', this.listeners.pong);
    ws.on('close', this.listeners.close);
    ws.on('error', this.listeners.error);
    this.log.debug({ conn: c.id }, 'ws client connected');
  }

  /** @internal A socket error of client `c` (the shared listeners call it). */
  handleError(c: Client, err: Error & { code?: string }): void {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.counters.oversized++;
    this.log.debug({ conn: c.id, err }, 'ws client error');
  }

  /** @internal Client `c`'s socket closed (the shared listeners call it). */
  onClose(c: Client): void {
    this.detach(c);
    c.closed = true;
    this.clients.delete(c);
    this.log.debug({ conn: c.id }, 'ws client closed');
  }

  /** @internal A message from client `c` (the shared listeners call it). */
  onMessage(c: Client, data: RawData, isBinary: boolean): void {
    if (c.closed) return;
    this.counters.controlMessages++;
    const l = this.limits;
    if (!c.bucket.take()) {
      this.counters.rateLimited++;
      this.violation(
        c,
        WsErrorCode.RateLimited,
        `rate limited: at most ${l.messageRatePerSec} messages/s (burst ${l.messageBurst}); slow down and batch streams in one SUBSCRIBE`,
        null,
      );
      return;
    }
    const buf = toBuffer(data);
    if (buf.length > l.maxMessageBytes) {
      this.counters.oversized++;
      const text = isBinary ? '' : buf.toString('utf8');
      const e = oversizedMessageError(text, buf.length, l.maxMessageBytes, l.maxSubscriptionsPerClient);
      this.violation(c, e.code, e.msg, e.id);
      return;
    }
    if (isBinary) {
      this.sendError(
        c,
        WsErrorCode.InvalidRequest,
        'binary frames are not accepted; send JSON as text',
        null,
      );
      return;
    }
    const parsed = parseControlMessage(buf.toString('utf8'), this.limits.maxSubscriptionsPerClient);
    if (!parsed.ok) {
      this.sendError(c, parsed.code, parsed.msg, parsed.id);
      return;
    }
    this.handleRequest(c, parsed.request);
  }

  private handleRequest(c: Client, req: ControlRequest): void {
    if (req.method === 'LIST_SUBSCRIPTIONS') {
      this.sendControl(c, resultReply(Array.from(c.topics.values(), nameOf), req.id));
      return;
    }
    const asked: Subscription[] = [];
    for (let i = 0; i < req.params.length; i++) {
      const r = parseStream(req.params[i]);
      if (!r.ok) {
        this.sendError(c, WsErrorCode.InvalidStream, `${r.error}; nothing was ${verb(req.method)}`, req.id);
        return;
      }
      const denied =
        req.method === 'SUBSCRIBE' && c.grant.refusal(r.requested) !== undefined
          ? c.grant.refusal(r.name)
          : undefined;
      if (denied !== undefined) {
        this.sendError(c, WsErrorCode.Forbidden, `${denied}; nothing was subscribed`, req.id);
        return;
      }
      const refusal =
        req.method === 'SUBSCRIBE' && this.sources !== undefined
          ? sourceRefusal(r.stream, this.sources, req.params[i])
          : undefined;
      if (refusal !== undefined) {
        this.sendError(c, WsErrorCode.InvalidStream, `${refusal}; nothing was subscribed`, req.id);
        return;
      }
      if (!asked.some((s) => s.key === r.requested)) {
        asked.push({ key: r.requested, topic: r.name, name: req.params[i], compact: c.compact });
      }
    }
    if (req.method === 'UNSUBSCRIBE') {
      for (let i = 0; i < asked.length; i++) this.unsubscribe(c, asked[i].key);
      this.sendControl(c, resultReply(null, req.id));
      return;
    }
    let added = 0;
    for (let i = 0; i < asked.length; i++) if (!c.topics.has(asked[i].key)) added++;
    const max = this.limits.maxSubscriptionsPerClient;
    if (c.topics.size + added > max) {
      this.sendError(
        c,
        WsErrorCode.TooManySubscriptions,
        `too many subscriptions: ${c.topics.size} + ${added} new would exceed the limit of ${max} per connection; UNSUBSCRIBE from some streams first`,
        req.id,
      );
      return;
    }
    const since = req.since === undefined ? undefined : sinceByKey(req.since);
    const fresh: Subscription[] = [];
    for (let i = 0; i < asked.length; i++) {
      const sub = asked[i];
      if (c.topics.has(sub.key)) continue;
      c.topics.set(sub.key, sub);
      this.subscriptionCount++;
      if (since === undefined) {
        this.fanout.flushTopic(sub.topic);
        this.fanout.add(sub.topic, c, sub);
      }
      fresh.push(sub);
    }
    if (since !== undefined) {
      this.recover(c, req.id, fresh, since);
      return;
    }
    this.sendControl(c, resultReply(null, req.id));
    for (let i = 0; i < fresh.length; i++) {
      const sub = fresh[i];
      if (!isStatefulStream(sub.topic)) continue;
      const latest = this.bus.getLatest(sub.topic);
      if (latest === undefined) continue;
      if (c.closed) continue;
      this.counters.latestSent++;
      this.fanout.sendNow(c, sub, latest);
    }
  }

  /**
   * SUBSCRIBE with `since`: the reply (per stream: recovered or not, and where it stands), then
   * each stream's missed messages or latest state, then live data (src/gateway/ws-recovery.ts).
   */
  private recover(
    c: Client,
    id: RequestId,
    fresh: readonly Subscription[],
    since: ReadonlyMap<string, StreamPosition>,
  ): void {
    const streams: RecoveringStream<Subscription>[] = fresh.map((sub) => ({
      view: sub,
      topic: sub.topic,
      since: since.get(sub.key),
      stateful: isStatefulStream(sub.topic),
    }));
    startRecovery({
      bus: this.bus,
      fanout: this.fanout,
      client: c,
      streams,
      maxMessages: this.recoveryMaxMessages,
      logger: this.log,
      stillWanted: (sub) => !c.closed && c.topics.get(sub.key) === sub,
      reply: (result) => this.sendControl(c, resultReply(result, id)),
    });
  }

  private unsubscribe(c: Client, key: string): void {
    const sub = c.topics.get(key);
    if (sub === undefined) return;
    c.topics.delete(key);
    this.subscriptionCount--;
    this.fanout.remove(sub.topic, c, sub);
  }

  /** Remove a client from all its topics. */
  private detach(c: Client): void {
    for (const sub of c.topics.values()) this.fanout.remove(sub.topic, c, sub);
    this.subscriptionCount -= c.topics.size;
    c.topics.clear();
  }

  private dropSlow(c: Client): void {
    if (c.closed) return;
    this.counters.slowConsumersDropped++;
    this.log.warn(
      { conn: c.id, bufferedAmount: c.ws.bufferedAmount, limit: this.limits.maxBufferedBytes },
      'dropping slow ws consumer',
    );
    // Queued behind what it has not read: a client that drains its backlog in time reads why.
    if (c.ws.readyState === WebSocket.OPEN) c.ws.send(slowConsumerNotice(this.limits.maxBufferedBytes));
    this.shut(c, SLOW_CONSUMER_CLOSE, 'slow consumer: send backlog over limit');
  }

  private violation(c: Client, code: WsErrorCode, msg: string, id: RequestId): void {
    c.violations++;
    if (c.violations <= this.limits.maxViolations) {
      this.sendError(c, code, msg, id);
      return;
    }
    this.counters.abusiveClosed++;
    this.sendError(c, code, `${msg}; closing after ${this.limits.maxViolations} violations`, id);
    this.shut(c, 1008, 'policy violation: rate or size limit');
  }

  /** Stop sending to a client, close it with `code`, terminate it if the close does not complete. */
  private shut(c: Client, code: number, reason: string): void {
    this.detach(c);
    c.closed = true;
    c.ws.close(code, reason);
    const ws = c.ws;
    const force = setTimeout(() => ws.terminate(), this.limits.closeTimeoutMs).unref();
    ws.once('close', () => clearTimeout(force));
  }

  private sendError(c: Client, code: WsErrorCode, msg: string, id: RequestId): void {
    this.counters.errorsSent++;
    this.sendControl(c, errorReply(code, msg, id));
  }

  private sendControl(c: Client, text: string): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.dropSlow(c);
      return;
    }
    c.ws.send(text);
  }

  private heartbeat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        this.counters.deadPeersTerminated++;
        this.log.debug({ conn: c.id }, 'terminating ws client that did not answer ping');
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.ping();
    }
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * ws closes a connection whose message passes `maxPayload` with a bare 1009; this WebSocket
 * class gives that close a reason the client can read.
 */
function closing1009WithReason(reason: string): typeof WebSocket {
  return class extends WebSocket {
    override close(code?: number, data?: string | Buffer): void {
      super.close(code, code === 1009 && data === undefined ? reason : data);
    }
  };
}

function verb(method: 'SUBSCRIBE' | 'UNSUBSCRIBE'): string {
  return method === 'SUBSCRIBE' ? 'subscribed' : 'unsubscribed';
}

function nameOf(sub: Subscription): string {
  return sub.name;
}
