/**
 * `createClient`: one connection to the gateway over WebSocket or SSE that survives the network.
 * It reconnects with backoff and full jitter, resubscribes every stream from its last position
 * (the gateway's recovery, results reported as `recovered`), tells when a stream goes stale, and
 * falls back from WebSocket to SSE when WebSocket cannot get through.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { getJson, type FetchLike, type HealthView, type LatestPrices, type SourcesView } from './http.js';
import { MessageQueue } from './message-queue.js';
import type {
  ConnectionStatus,
  RecoveryResult,
  StreamMessage,
  StreamPosition,
  TransportKind,
} from './protocol.js';
import { SseTransport } from './sse-transport.js';
import { StaleTracker } from './stale-tracker.js';
import type {
  EventSourceConstructor,
  Transport,
  TransportHandlers,
  WebSocketConstructor,
} from './transport.js';
import { authQuery, gatewayUrls, withQuery, type GatewayUrls } from './urls.js';
import { WsTransport } from './ws-transport.js';

export interface ClientOptions {
  /** The gateway, `http://localhost:3000` (or ws://…); in a browser the page's origin by default. */
  readonly url?: string;
  /** `auto` (default): WebSocket, and SSE when WebSocket fails before it ever connected. */
  readonly transport?: 'websocket' | 'sse' | 'auto';
  readonly apiKey?: string;
  readonly token?: string;
  /** A stream without a message for this long is stale (default 30,000 ms). */
  readonly staleAfterMs?: number;
  readonly backoff?: BackoffOptions;
  /** Failed attempts in a row after which the status is `error` (still retrying; default 3). */
  readonly errorAfterAttempts?: number;
  /** `auto`: WebSocket attempts that fail before any connected, then SSE (default 2). */
  readonly sseFallbackAfter?: number;
  /** Messages an iterator of `messages()` holds for a slow loop before dropping the oldest (default 10,000). */
  readonly iteratorLimit?: number;
  readonly WebSocket?: WebSocketConstructor;
  readonly EventSource?: EventSourceConstructor;
  readonly fetch?: FetchLike;
  /** Randomness of the jitter (tests). */
  readonly random?: () => number;
}

export interface ClientEvents {
  message: [message: StreamMessage];
  status: [status: ConnectionStatus];
  recovered: [result: RecoveryResult];
  stale: [stream: string, stale: boolean];
  error: [error: Error];
  transport: [kind: TransportKind];
}

const DEFAULTS = { staleAfterMs: 30_000, errorAfterAttempts: 3, sseFallbackAfter: 2, iteratorLimit: 10_000 };

function globalCtor<T>(name: 'WebSocket' | 'EventSource'): T | undefined {
  return (globalThis as Record<string, unknown>)[name] as T | undefined;
}

export class TickstreamClient {
  private readonly urls: GatewayUrls;
  private readonly events = new Emitter<ClientEvents>();
  private readonly wanted = new Map<string, number>();
  private carried = new Set<string>();
  private readonly positions = new Map<string, StreamPosition>();
  private readonly stale: StaleTracker;
  private readonly iterators = new Set<{ queue: MessageQueue; streams: Set<string> | undefined }>();
  private readonly WebSocketImpl: WebSocketConstructor | undefined;
  private readonly EventSourceImpl: EventSourceConstructor | undefined;
  private readonly fetchImpl: FetchLike | undefined;
  private kind: TransportKind;
  private transport: Transport | undefined;
  private opened = false;
  private everConnected = false;
  private failures = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private syncQueued = false;
  private closed = false;
  private sseResume: { streams: string; id: string } | undefined;
  private currentStatus: ConnectionStatus = 'connecting';

  constructor(private readonly options: ClientOptions = {}) {
    const base = options.url ?? (globalThis as { location?: { origin?: string } }).location?.origin;
    if (base === undefined)
      throw new TypeError('tickstream client: pass url, e.g. createClient({ url: "http://localhost:3000" })');
    this.urls = gatewayUrls(base);
    this.WebSocketImpl = options.WebSocket ?? globalCtor<WebSocketConstructor>('WebSocket');
    this.EventSourceImpl = options.EventSource ?? globalCtor<EventSourceConstructor>('EventSource');
    this.fetchImpl =
      options.fetch ??
      (typeof fetch === 'function' ? (fetch.bind(globalThis) as unknown as FetchLike) : undefined);
    const wantedKind = options.transport ?? 'auto';
    if (wantedKind === 'sse' || (wantedKind === 'auto' && this.WebSocketImpl === undefined)) {
      if (this.EventSourceImpl === undefined) {
        throw new TypeError(
          'tickstream client: no EventSource here; pass one (Node: `import { EventSource } from "eventsource"`, then { EventSource })',
        );
      }
      this.kind = 'sse';
    } else {
      if (this.WebSocketImpl === undefined) {
        throw new TypeError(
          'tickstream client: no WebSocket here; pass one (Node 20: `import WebSocket from "ws"`, then { WebSocket })',
        );
      }
      this.kind = 'websocket';
    }
    this.stale = new StaleTracker(options.staleAfterMs ?? DEFAULTS.staleAfterMs, (stream, isStale) =>
      this.events.emit('stale', stream, isStale),
    );
    this.connect();
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The transport in use now (`auto` may have fallen back to SSE). */
  get transportKind(): TransportKind {
    return this.kind;
  }

  /** Streams subscribed now (gateway names, e.g. `ticker@BTC/USDT`, `book@binance:BTC/USDT`). */
  get streams(): string[] {
    return [...this.wanted.keys()].sort();
  }

  on<K extends keyof ClientEvents>(event: K, listener: (...args: ClientEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Subscribe `streams`. Subscriptions are counted: a stream subscribed twice needs two
   * `unsubscribe`s, so independent parts of an app can share one client. Changes made in one turn
   * leave as one request.
   */
  subscribe(streams: readonly string[]): void {
    if (this.closed) return;
    for (const s of streams) {
      const n = this.wanted.get(s) ?? 0;
      this.wanted.set(s, n + 1);
      if (n === 0) this.stale.watch(s);
    }
    this.queueSync();
  }

  unsubscribe(streams: readonly string[]): void {
    for (const s of streams) {
      const n = this.wanted.get(s);
      if (n === undefined) continue;
      if (n > 1) {
        this.wanted.set(s, n - 1);
        continue;
      }
      this.wanted.delete(s);
      this.positions.delete(s);
      this.stale.unwatch(s);
    }
    this.queueSync();
  }

  isStale(stream: string): boolean {
    return this.stale.isStale(stream);
  }

  /** The last position seen of `stream` (what a reconnect resumes from). */
  position(stream: string): StreamPosition | undefined {
    return this.positions.get(stream);
  }

  /**
   * Messages as an async iterator, of `streams` (subscribed for the iterator's life) or of every
   * subscribed stream. Ends when the loop breaks or the client closes.
   */
  messages(streams?: readonly string[]): AsyncIterableIterator<StreamMessage> {
    const entry = {
      streams: streams === undefined ? undefined : new Set(streams),
      queue: new MessageQueue(this.options.iteratorLimit ?? DEFAULTS.iteratorLimit, () => {
        this.iterators.delete(entry);
        if (streams !== undefined) this.unsubscribe(streams);
      }),
    };
    this.iterators.add(entry);
    if (streams !== undefined) this.subscribe(streams);
    return entry.queue;
  }

  latestPrices(): Promise<LatestPrices> {
    return this.get('/api/prices');
  }

  health(): Promise<HealthView> {
    return this.get('/api/market-data/health');
  }

  sources(): Promise<SourcesView> {
    return this.get('/api/market-data/sources');
  }

  /** Close the connection, stop every timer, end the iterators. The client cannot be reused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.transport?.close();
    this.transport = undefined;
    this.stale.stop();
    for (const it of [...this.iterators]) it.queue.end();
    this.setStatus('closed');
    this.events.removeAll();
  }

  private get<T>(path: string): Promise<T> {
    if (this.fetchImpl === undefined)
      return Promise.reject(new TypeError('tickstream client: no fetch here; pass { fetch }'));
    const headers: Record<string, string> = {};
    if (this.options.apiKey !== undefined) headers['x-api-key'] = this.options.apiKey;
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    return getJson<T>(this.fetchImpl, `${this.urls.http}${path}`, headers);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.events.emit('status', status);
  }

  private queueSync(): void {
    if (this.syncQueued) return;
    this.syncQueued = true;
    queueMicrotask(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  /** Tell the open transport what changed since it last heard. */
  private sync(): void {
    if (this.transport === undefined || !this.opened || this.closed) return;
    const added = [...this.wanted.keys()].filter((s) => !this.carried.has(s));
    const removed = [...this.carried].filter((s) => !this.wanted.has(s));
    if (added.length === 0 && removed.length === 0) return;
    this.carried = new Set(this.wanted.keys());
    this.transport.update({ all: this.streams, added, removed, since: this.positions });
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.closed) return;
    this.opened = false;
    this.carried = new Set();
    const handlers: TransportHandlers = {
      onOpen: () => this.onOpen(),
      onMessage: (m) => this.onMessage(m),
      onRecovery: (results) => {
        for (const r of results) {
          if (!r.recovered) this.positions.delete(r.stream);
          this.events.emit('recovered', r);
        }
      },
      onRequestError: (e) =>
        this.events.emit('error', new Error(`the gateway refused a request: ${e.msg} (code ${e.code})`)),
      onClose: (reason, opened) => this.onClose(reason, opened),
    };
    if (this.kind === 'websocket') {
      const url = withQuery(`${this.urls.ws}/ws`, authQuery(this.options));
      this.transport = new WsTransport(url, this.WebSocketImpl as WebSocketConstructor, handlers);
    } else {
      const auth = authQuery(this.options);
      const streamUrl = (streams: readonly string[], lastEventId: string | undefined): string =>
        withQuery(
          `${this.urls.http}/api/market-data/stream`,
          `streams=${streams.map(encodeURIComponent).join(',')}`,
          auth,
          lastEventId === undefined ? '' : `lastEventId=${encodeURIComponent(lastEventId)}`,
        );
      const sse = new SseTransport(
        streamUrl,
        this.EventSourceImpl as EventSourceConstructor,
        handlers,
        this.sseResume,
        this.streams,
      );
      this.transport = sse;
      this.carried = new Set(this.wanted.keys());
    }
  }

  private onOpen(): void {
    this.opened = true;
    this.failures = 0;
    this.everConnected = true;
    this.sync();
    this.setStatus('connected');
  }

  private onMessage(m: StreamMessage): void {
    if (!this.wanted.has(m.stream)) return;
    if (m.offset !== undefined && m.epoch !== undefined) {
      const last = this.positions.get(m.stream);
      // Defensive: a message at or before the last position of the same epoch was delivered already.
      if (last !== undefined && last.epoch === m.epoch && m.offset <= last.offset) return;
      this.positions.set(m.stream, { offset: m.offset, epoch: m.epoch });
    }
    this.stale.seen(m.stream);
    this.events.emit('message', m);
    for (const it of this.iterators)
      if (it.streams === undefined || it.streams.has(m.stream)) it.queue.push(m);
  }

  private onClose(reason: string, opened: boolean): void {
    if (this.transport instanceof SseTransport) this.sseResume = this.transport.resumeFrom;
    this.transport = undefined;
    this.opened = false;
    if (this.closed) return;
    if (!opened) this.failures++;
    const errorAfter = this.options.errorAfterAttempts ?? DEFAULTS.errorAfterAttempts;
    if (
      this.kind === 'websocket' &&
      (this.options.transport ?? 'auto') === 'auto' &&
      !this.everConnected &&
      this.EventSourceImpl !== undefined &&
      this.failures >= (this.options.sseFallbackAfter ?? DEFAULTS.sseFallbackAfter)
    ) {
      this.kind = 'sse';
      this.failures = 0;
      this.events.emit('transport', 'sse');
    }
    if (this.failures >= errorAfter) {
      this.setStatus('error');
      this.events.emit(
        'error',
        new Error(
          `cannot reach the gateway at ${this.urls.http} (${this.failures} attempts; last: ${reason}); retrying`,
        ),
      );
    } else {
      this.setStatus(this.everConnected ? 'degraded' : 'connecting');
    }
    const delay = backoffDelay(this.failures, this.options.backoff, this.options.random);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }
}

export function createClient(options: ClientOptions = {}): TickstreamClient {
  return new TickstreamClient(options);
}
