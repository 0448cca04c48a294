/**
 * `GET /api/market-data/stream`: Server-Sent Events. `?pairs=BTC/USDT,ETH/USDT` sends
 * `event: price` with `{pair, price, timestamp, source}`; `?streams=trade@BTC/USDT,…` sends
 * unnamed events whose data is the WS data frame (`{"stream":…,"data":…,"offset":…,"epoch":…}`).
 * Every event's `id:` holds the position of all the connection's streams (src/gateway/sse-id.ts),
 * so `Last-Event-ID` resumes them through the same recovery as `/ws` (an `event: recovery` says
 * per stream whether the gap was filled). The first message is a `retry:` hint; `: ping`
 * comments keep proxies from closing an idle stream. At `maxConnections` a request is answered
 * 503 with a JSON reason; a connection whose unsent backlog passes the send budget is dropped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus, BusHandler, BusMessage, StreamPosition } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import { HeldStream, prepareCatchUp, type CatchUp, type RecoveryOutcome } from './recovery.js';
import { decodeEventId, encodeEventId, streamsFingerprint } from './sse-id.js';
import { parseSseRequest, type SseStream } from './sse-request.js';
import type { PriceView } from './prices.js';
import type { StreamSources } from './streams.js';

export interface SseOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  /** Listen to a topic (counts as gateway demand); returns the function that stops. */
  readonly watch: (topic: string, handler: BusHandler) => () => void;
  /** Open SSE connections; one more is answered 503. Default 10,000. */
  readonly maxConnections?: number;
  /** Pairs and streams one connection may ask for. Default 100. */
  readonly maxStreams?: number;
  /** `: ping` comment period, ms. Default 15,000. */
  readonly heartbeatMs?: number;
  /** The `retry:` reconnect hint, ms. Default 3000. */
  readonly retryMs?: number;
  /** A connection with more unsent bytes than this is dropped. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** Most missed messages a `Last-Event-ID` resume replays per stream. Default 1000. */
  readonly recoveryMaxMessages?: number;
  /** What ingest provides; `streams` outside it are refused (400). Default: anything. */
  readonly sources?: StreamSources;
  /**
   * A pair's price from the gateway's own cache, sent (without an id) when its bus topic has no
   * latest value to start from.
   */
  readonly cachedPrice?: (pair: string) => PriceView | undefined;
}

export interface SseStats {
  connections: number;
  rejected: number;
  slowDropped: number;
  eventsSent: number;
}

/** One stream of one connection: its index in the connection's positions. */
class Membership {
  constructor(
    readonly conn: SseConnection,
    readonly index: number,
  ) {}
}

/** The connections of one (kind, name): each bus message becomes its event text once for all. */
class TopicEntry {
  readonly members: Membership[] = [];
  unwatch: () => void = noop;
  constructor(
    readonly key: string,
    readonly stream: SseStream,
  ) {}
}

class SseConnection {
  readonly positions: StreamPosition[];
  readonly memberships: { entry: TopicEntry; member: Membership }[] = [];
  pending = '';
  closed = false;
  constructor(
    readonly id: number,
    readonly res: ServerResponse,
    readonly streams: readonly SseStream[],
    readonly fingerprint: string,
  ) {
    this.positions = streams.map(() => ({ offset: 0, epoch: '' }));
  }
}

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

export class SseHub {
  private readonly opts: SseOptions;
  private readonly log: Logger;
  private readonly maxConnections: number;
  private readonly maxStreams: number;
  private readonly maxBuffered: number;
  private readonly recoveryMax: number;
  private readonly retryMs: number;
  private readonly connections = new Set<SseConnection>();
  private readonly entries = new Map<string, TopicEntry>();
  private readonly dirty = new Set<SseConnection>();
  private readonly heartbeat: NodeJS.Timeout;
  private flushScheduled = false;
  private nextId = 0;
  private closing = false;
  private readonly counters: SseStats = { connections: 0, rejected: 0, slowDropped: 0, eventsSent: 0 };

  constructor(opts: SseOptions) {
    this.opts = opts;
    this.log = opts.logger;
    this.maxConnections = opts.maxConnections ?? 10_000;
    this.maxStreams = opts.maxStreams ?? 100;
    this.maxBuffered = opts.maxBufferedBytes ?? 1 << 20;
    this.recoveryMax = opts.recoveryMaxMessages ?? 1000;
    this.retryMs = opts.retryMs ?? 3000;
    this.heartbeat = setInterval(() => this.ping(), opts.heartbeatMs ?? 15_000);
    this.heartbeat.unref();
  }

  stats(): SseStats {
    return { ...this.counters, connections: this.connections.size };
  }

  /** Answer a request routed to the SSE path. */
  handle(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      sendJson(res, 405, 'method_not_allowed', `use GET for the event stream, not ${req.method ?? '?'}`);
      return;
    }
    if (this.closing || this.connections.size >= this.maxConnections) {
      this.counters.rejected++;
      res.setHeader('Retry-After', '5');
      const msg = this.closing
        ? 'server is shutting down; reconnect to another instance'
        : `server is at capacity (${this.maxConnections} SSE connections); retry later`;
      sendJson(res, 503, 'unavailable', msg);
      return;
    }
    const parsed = parseSseRequest(query, this.maxStreams, this.opts.sources);
    if (!parsed.ok) {
      sendJson(res, 400, 'bad_request', parsed.error);
      return;
    }
    const streams = parsed.streams;
    const fingerprint = streamsFingerprint(streams.map((s) => s.kind[0] + s.name));
    const conn = new SseConnection(++this.nextId, res, streams, fingerprint);
    this.connections.add(conn);
    this.logCount();
    const onGone = (): void => this.drop(conn);
    res.on('close', onGone);
    res.on('error', onGone);
    res.writeHead(200, HEADERS);
    this.enqueue(conn, `retry: ${this.retryMs}\n\n`);

    const lastId = lastEventId(req, query);
    let since: readonly StreamPosition[] | undefined;
    if (lastId !== undefined) {
      const d = decodeEventId(lastId, fingerprint, streams.length);
      if (d.ok) since = d.positions;
      else this.enqueue(conn, `: ${d.error}; starting from the latest state\n\n`);
    }
    this.start(conn, since);
  }

  /** End every connection; no further events. */
  close(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const conn of [...this.connections]) {
      this.drop(conn);
      conn.res.end();
    }
  }

  /** Hold each stream's live messages, read what was missed, then send and join in one step. */
  private start(conn: SseConnection, since: readonly StreamPosition[] | undefined): void {
    const holds = conn.streams.map((s) => {
      const held = new HeldStream(this.recoveryMax);
      return { held, unwatch: this.opts.watch(s.topic, held.handler) };
    });
    const preparing = conn.streams.map((s, i) =>
      prepareCatchUp({
        bus: this.opts.bus,
        topic: s.topic,
        since: since?.[i],
        maxMessages: this.recoveryMax,
        stateful: s.stateful,
        held: holds[i].held,
      }).catch((err: unknown): CatchUp => {
        this.log.warn({ err, topic: s.topic }, 'stream history unavailable; SSE starts from live data');
        return liveOnly(holds[i].held, since?.[i], err);
      }),
    );
    void Promise.all(preparing).then((catchUps) => {
      try {
        if (!conn.closed) this.join(conn, catchUps, since !== undefined);
      } finally {
        for (const h of holds) h.unwatch();
      }
    });
  }

  private join(conn: SseConnection, catchUps: readonly CatchUp[], resumed: boolean): void {
    const finished = catchUps.map((c) => c.finish());
    // Each stream starts just before its first catch-up message, so an id written mid catch-up
    // never claims a message of another stream that was not sent yet.
    for (let i = 0; i < finished.length; i++) conn.positions[i] = startOf(finished[i], catchUps[i]);
    if (resumed) {
      const streams: Record<string, RecoveryOutcome> = {};
      for (let i = 0; i < conn.streams.length; i++) {
        const o = catchUps[i].outcome;
        if (o !== undefined) streams[conn.streams[i].name] = o;
      }
      this.enqueue(conn, `event: recovery\ndata: ${JSON.stringify({ streams })}\n\n`);
    }
    for (let i = 0; i < conn.streams.length; i++) {
      const s = conn.streams[i];
      const cached =
        s.kind === 'price' && finished[i].messages.length === 0 ? this.opts.cachedPrice?.(s.name) : undefined;
      if (cached !== undefined) {
        // No position: the id (every stream's position) stays as it was.
        this.counters.eventsSent++;
        this.enqueue(conn, 'event: price\ndata: ' + JSON.stringify(priceEvent(cached)) + '\n\n');
      }
      for (const m of finished[i].messages) {
        const body = eventBody(s, m);
        if (body !== undefined) this.deliver(conn, i, m.position, body);
      }
      const key = s.kind + '\u0000' + s.name;
      let entry = this.entries.get(key);
      if (entry === undefined) {
        const created = new TopicEntry(key, s);
        created.unwatch = this.opts.watch(s.topic, (m) => this.dispatch(created, m));
        this.entries.set(key, created);
        entry = created;
      }
      const member = new Membership(conn, i);
      entry.members.push(member);
      conn.memberships.push({ entry, member });
    }
  }

  /** The hot path: one event text per message, an id per connection. */
  private dispatch(entry: TopicEntry, m: BusMessage): void {
    const body = eventBody(entry.stream, m);
    if (body === undefined) return;
    const members = entry.members;
    for (let i = 0; i < members.length; i++)
      this.deliver(members[i].conn, members[i].index, m.position, body);
  }

  private deliver(conn: SseConnection, index: number, position: StreamPosition, body: string): void {
    conn.positions[index] = position;
    this.counters.eventsSent++;
    this.enqueue(conn, body + 'id: ' + encodeEventId(conn.fingerprint, conn.positions) + '\n\n');
  }

  private enqueue(conn: SseConnection, text: string): void {
    if (conn.closed) return;
    conn.pending += text;
    this.dirty.add(conn);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** One write per connection per turn; a connection over its send budget is dropped. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const conn of this.dirty) {
      if (conn.closed) continue;
      if (conn.res.writableLength > this.maxBuffered) {
        this.dropSlow(conn);
        continue;
      }
      conn.res.write(conn.pending);
      conn.pending = '';
    }
    this.dirty.clear();
  };

  private ping(): void {
    for (const conn of this.connections) this.enqueue(conn, ': ping\n\n');
  }

  private dropSlow(conn: SseConnection): void {
    this.counters.slowDropped++;
    this.log.warn(
      { conn: conn.id, buffered: conn.res.writableLength, limit: this.maxBuffered },
      'dropping slow SSE consumer',
    );
    this.drop(conn);
    conn.res.destroy();
  }

  private drop(conn: SseConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.pending = '';
    this.connections.delete(conn);
    for (const { entry, member } of conn.memberships) {
      const i = entry.members.indexOf(member);
      if (i !== -1) entry.members.splice(i, 1);
      if (entry.members.length === 0 && this.entries.get(entry.key) === entry) {
        this.entries.delete(entry.key);
        entry.unwatch();
      }
    }
    conn.memberships.length = 0;
  }

  /** Logged at every hundredth connection on the way up (100, 200, …). */
  private logCount(): void {
    const n = this.connections.size;
    if (n % 100 === 0) this.log.info({ sseConnections: n }, 'SSE connections');
  }
}

/** `data:` (and `event:`) lines of a message, or undefined when it carries no price. */
function eventBody(s: SseStream, m: BusMessage): string | undefined {
  if (s.kind === 'stream') {
    return (
      'data: {"stream":' +
      JSON.stringify(s.name) +
      ',"data":' +
      m.json +
      ',"offset":' +
      m.position.offset +
      ',"epoch":' +
      JSON.stringify(m.position.epoch) +
      '}\n'
    );
  }
  const d = m.data;
  const price =
    d.type === 'trade' ? d.price : d.type === 'ticker' ? d.last : d.type === 'quote' ? d.mid : NaN;
  if (!(price > 0)) return undefined;
  return (
    'event: price\ndata: ' +
    JSON.stringify({ pair: s.name, price, timestamp: d.timestamp, source: d.exchange }) +
    '\n'
  );
}

function priceEvent(p: PriceView): PriceView {
  return { pair: p.pair, price: p.price, timestamp: p.timestamp, source: p.source };
}

/** Where a stream stands before its catch-up is sent. */
function startOf(
  finished: { readonly messages: readonly BusMessage[]; readonly position: StreamPosition },
  c: CatchUp,
): StreamPosition {
  if (finished.messages.length > 0) {
    const first = finished.messages[0].position;
    return { offset: Math.max(0, first.offset - 1), epoch: first.epoch };
  }
  if (finished.position.epoch !== '' || c.outcome === undefined) return finished.position;
  return { offset: c.outcome.offset, epoch: c.outcome.epoch };
}

/** The catch-up of a stream whose history could not be read: the live messages only. */
function liveOnly(held: HeldStream, since: StreamPosition | undefined, err: unknown): CatchUp {
  const detail = err instanceof Error ? err.message : String(err);
  const at = since ?? { offset: 0, epoch: '' };
  return {
    outcome:
      since === undefined
        ? undefined
        : {
            recovered: false,
            replayed: 0,
            offset: at.offset,
            epoch: at.epoch,
            reason: `history unavailable (${detail})`,
          },
    finish() {
      const messages = held.messages.slice();
      return { messages, position: messages.length === 0 ? at : messages[messages.length - 1].position };
    },
  };
}

function lastEventId(req: IncomingMessage, query: URLSearchParams): string | undefined {
  const h = req.headers['last-event-id'];
  const header = Array.isArray(h) ? h[0] : h;
  if (header !== undefined && header.trim() !== '') return header.trim();
  // EventSource polyfills that cannot set headers pass it in the query.
  const q = query.get('lastEventId');
  return q === null || q.trim() === '' ? undefined : q.trim();
}

function sendJson(res: ServerResponse, status: number, code: string, msg: string): void {
  const body = JSON.stringify({ error: { code, msg } });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function noop(): void {}
