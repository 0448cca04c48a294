/**
 * The generic reconnecting WebSocket connection. Venues differ only in the `ConnectionSpec`
 * they pass (URL, subscribe builder, heartbeat kind, auth, rate limit): data, not subclasses.
 *
 * Frames are delivered through synchronous typed handlers rather than an AsyncIterable: the
 * venue client must act on each frame synchronously (decode, book sync, counters), and the
 * one async boundary belongs at the feed's `messages()` after normalization. Two iterator
 * layers would cost a promise per frame twice on the hot path.
 *
 * Lifecycle: connecting → (authenticating) → connected → disconnected → (backoff) → connecting
 * … until `close()`. Every transition is reported through `onStatus`: never resume silently.
 */
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import type { Logger } from '../core/logger.js';
import type { FeedState } from '../core/types.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { CircuitBreaker, type BreakerState, type CircuitBreakerOptions } from './circuit-breaker.js';
import { TokenBucket, type RateLimitOptions } from './rate-limiter.js';

export type WebSocketCtor = new (url: string, options?: ClientOptions) => WebSocket;

/**
 * - `server`: the server pings and `ws` answers with pongs (Binance); a dead link shows as silence.
 * - `protocol`: we send WebSocket PING frames and expect a PONG within `pongTimeoutMs`.
 * - `app`: the venue's own ping message (Kraken `{"method":"ping"}`, OKX `ping`); pongs are not delivered.
 */
export type Heartbeat =
  | { readonly kind: 'server' }
  | { readonly kind: 'protocol'; readonly intervalMs: number; readonly pongTimeoutMs: number }
  | {
      readonly kind: 'app';
      readonly intervalMs: number;
      readonly pongTimeoutMs: number;
      ping(): string;
      isPong(frame: string): boolean;
    };

/**
 * What follows a link the venue ended or refused: `backoff` reconnects after the usual backoff
 * delay; `{ afterMs }` waits that much longer than it (a venue's "too many connections");
 * `stop` reconnects never again (bad credentials: retrying cannot help).
 */
export type RetryPolicy = 'backoff' | { readonly afterMs: number } | 'stop';

export interface AuthRejection {
  readonly rejected: string;
  /** Default `backoff`. */
  readonly retry?: RetryPolicy;
}

export interface ConnectionAuth {
  /** The login message, sent right after the socket opens. */
  request(): string;
  /** Judge a frame received while authenticating: `ok`, keep waiting, or rejected with a reason. */
  check(frame: string): 'ok' | 'pending' | AuthRejection;
}

export interface ConnectionSpec {
  /** For logs (`binance`). */
  readonly name: string;
  url(): string;
  /** Messages that subscribe the current subscription set; sent after every (re)connect. */
  subscribeMessages(): readonly string[];
  readonly heartbeat: Heartbeat;
  readonly auth?: ConnectionAuth;
  /** Outgoing limit; unlimited when omitted. */
  readonly rateLimit?: RateLimitOptions;
}

export type ConnectionStatusState = FeedState | 'stale';

export interface ConnectionHandlers {
  onFrame(frame: string, localTimestamp: number): void;
  onStatus(state: ConnectionStatusState, reason: string, at: number): void;
  /** The circuit breaker changed state (opened, half-open, closed again). */
  onBreaker?(state: BreakerState, reason: string, at: number): void;
  /** `maxReconnects` attempts failed in a row: no more attempts (a `disconnected` status follows). */
  onMaxReconnects?(attempts: number, reason: string, at: number): void;
}

/** The reason of the final status once the retry limit is reached. */
export const MAX_RECONNECTS_REACHED = 'max_reconnects_reached';

export interface ConnectionOptions {
  readonly spec: ConnectionSpec;
  readonly handlers: ConnectionHandlers;
  /** A child is made per connection (`{venue, conn}`). */
  readonly logger: Logger;
  readonly WebSocket?: WebSocketCtor;
  readonly now?: () => number;
  /** Between reconnect attempts. Default: 1 s doubling to 60 s, full jitter. */
  readonly backoff?: BackoffOptions;
  /** Guards connection attempts (closed / open / half-open). Default 5 failures, 60 s, 3 successes. */
  readonly breaker?: CircuitBreakerOptions;
  /** Reconnect attempts in a row without a stable link before giving up for good. Default: unlimited. */
  readonly maxReconnects?: number;
  /** Open (and authenticate) within this, or retry. Default 10000. */
  readonly connectTimeoutMs?: number;
  /** No frame or ping for this long means a dead link: reconnect. Default 60000; 0 disables. */
  readonly silenceTimeoutMs?: number;
  /** A connection that stayed up this long resets the backoff when it ends. Default 5000. */
  readonly stableAfterMs?: number;
  /** Outgoing queue bound; beyond it `send` refuses. Default 10000. */
  readonly maxQueued?: number;
}

export interface ConnectionStats {
  readonly state: FeedState;
  /** Connection attempts after the first. */
  readonly reconnects: number;
  readonly frames: number;
  readonly sent: number;
  readonly queued: number;
  readonly lastFrameAt: number | undefined;
  /** Smoothed (EWMA) local receipt time minus exchange time, ms. */
  readonly latencyMs: number | undefined;
  readonly breaker: BreakerState;
  /** The breaker's count of failed attempts in a row towards opening. */
  readonly breakerFailures: number;
  /** Failed connection attempts since the last one that got connected. */
  readonly consecutiveFailures: number;
  /** When the current link got connected, ms; undefined while not connected. */
  readonly connectedSince: number | undefined;
  /** Round trip of the last answered heartbeat ping (protocol or app level), ms. */
  readonly pingRttMs: number | undefined;
}

let connectionIds = 0;

export class Connection {
  private readonly spec: ConnectionSpec;
  private readonly handlers: ConnectionHandlers;
  private readonly log: Logger;
  private readonly WS: WebSocketCtor;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly breaker: CircuitBreaker;
  private readonly maxReconnects: number | undefined;
  private readonly bucket: TokenBucket | undefined;
  private readonly connectTimeoutMs: number;
  private readonly silenceTimeoutMs: number;
  private readonly maxQueued: number;
  private readonly stableAfterMs: number;

  private currentState: FeedState = 'disconnected';
  private ws: WebSocket | undefined = undefined;
  private started = false;
  private closing = false;
  private failReason: string | undefined = undefined;
  /** How to retry after the current socket closes; set by a venue's verdict. */
  private retry: RetryPolicy = 'backoff';
  private stopped = false;
  private lastActivity = 0;
  private connectedAt: number | undefined = undefined;
  private queue: string[] = [];
  private queueHead = 0;
  private connectTimer: NodeJS.Timeout | undefined = undefined;
  private reconnectTimer: NodeJS.Timeout | undefined = undefined;
  private silenceTimer: NodeJS.Timeout | undefined = undefined;
  private pingTimer: NodeJS.Timeout | undefined = undefined;
  private pongTimer: NodeJS.Timeout | undefined = undefined;
  private sendTimer: NodeJS.Timeout | undefined = undefined;
  /** While half-open and connected: counts each healthy `stableAfterMs` as one more success. */
  private probationTimer: NodeJS.Timeout | undefined = undefined;
  /** The current socket reached `connected` (else its close is a failed attempt). */
  private ready = false;
  private pingSentAt: number | undefined = undefined;
  private pingRttMs: number | undefined = undefined;
  private closeWaiters: Array<() => void> = [];

  private reconnects = 0;
  private consecutiveFailures = 0;
  private frames = 0;
  private sent = 0;
  private lastFrameAt: number | undefined = undefined;
  private latencyMs: number | undefined = undefined;

  constructor(options: ConnectionOptions) {
    this.spec = options.spec;
    this.handlers = options.handlers;
    this.log = options.logger.child({ venue: options.spec.name, conn: ++connectionIds });
    this.WS = options.WebSocket ?? WebSocket;
    this.now = options.now ?? Date.now;
    this.backoff = new Backoff({ baseMs: 1000, maxMs: 60_000, ...options.backoff });
    this.breaker = new CircuitBreaker(
      options.breaker ?? {},
      (state, reason) => this.onBreakerChange(state, reason),
      this.now,
    );
    const max = options.maxReconnects;
    if (max !== undefined && (!Number.isInteger(max) || max < 0)) {
      throw new RangeError(`maxReconnects must be a whole number >= 0 (or unset for no limit), got ${max}`);
    }
    this.maxReconnects = max;
    this.bucket = options.spec.rateLimit ? new TokenBucket(options.spec.rateLimit, this.now) : undefined;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 60_000;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.stableAfterMs = options.stableAfterMs ?? 5000;
  }

  get state(): FeedState {
    return this.currentState;
  }

  /** Open the first connection; later ones follow by themselves until `close()`. */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.connect();
  }

  /**
   * Queue a message for the current connection, paced by the rate limit. Refused (false) when
   * not connected: after a reconnect the spec's `subscribeMessages()` restores the subscriptions.
   */
  send(data: string): boolean {
    if (this.currentState !== 'connected') return false;
    return this.enqueue(data);
  }

  /**
   * End the current link on the venue's verdict (an error message that says the link is over):
   * `reason` becomes the disconnected status, `retry` what follows. No-op without a link.
   */
  drop(reason: string, retry: RetryPolicy = 'backoff'): void {
    const ws = this.ws;
    if (ws === undefined || this.closing) return;
    this.failReason = reason;
    this.retry = retry;
    ws.terminate(); // the venue has spoken: no close handshake to wait for
  }

  /** True once a `stop` verdict ended the connection for good (until then it reconnects by itself). */
  get gaveUp(): boolean {
    return this.stopped;
  }

  /** Record one exchange timestamp against its local receipt time. */
  observeLatency(exchangeTimestamp: number, localTimestamp: number): void {
    const d = localTimestamp - exchangeTimestamp;
    this.latencyMs = this.latencyMs === undefined ? d : this.latencyMs + 0.1 * (d - this.latencyMs);
  }

  stats(): ConnectionStats {
    return {
      state: this.currentState,
      reconnects: this.reconnects,
      frames: this.frames,
      sent: this.sent,
      queued: this.queue.length - this.queueHead,
      lastFrameAt: this.lastFrameAt,
      latencyMs: this.latencyMs,
      breaker: this.breaker.state,
      breakerFailures: this.breaker.failureCount,
      consecutiveFailures: this.consecutiveFailures,
      connectedSince: this.ready ? this.connectedAt : undefined,
      pingRttMs: this.pingRttMs,
    };
  }

  /** Close for good: no reconnect, every timer cleared. Resolves once the socket is closed. */
  close(): Promise<void> {
    if (this.closing) {
      return this.ws === undefined ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
    }
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.probationTimer);
    const ws = this.ws;
    if (ws === undefined) {
      if (this.started && this.currentState !== 'disconnected')
        this.setState('disconnected', 'closed by client');
      return Promise.resolve();
    }
    this.failReason = 'closed by client';
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      const force = setTimeout(() => ws.terminate(), 2000);
      this.closeWaiters.push(() => clearTimeout(force));
      ws.close(1000);
    });
  }

  private connect(): void {
    this.failReason = undefined;
    this.retry = 'backoff';
    this.ready = false;
    this.pingSentAt = undefined;
    const url = this.spec.url();
    this.setState(
      'connecting',
      this.reconnects === 0 ? 'connecting' : `reconnect attempt ${this.reconnects}`,
    );
    let ws: WebSocket;
    try {
      ws = new this.WS(url);
    } catch (err) {
      this.log.error({ err, url }, 'cannot open websocket');
      const why = `cannot open ${url}: ${(err as Error).message}`;
      this.setState('disconnected', why);
      this.consecutiveFailures++;
      this.breaker.recordFailure(why);
      this.scheduleReconnect(0, why);
      return;
    }
    this.ws = ws;
    this.connectTimer = setTimeout(() => {
      this.failReason = `connect timeout after ${this.connectTimeoutMs}ms`;
      ws.terminate();
    }, this.connectTimeoutMs);
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: RawData) => this.onMessage(ws, data));
    ws.on('ping', () => {
      if (ws === this.ws) this.lastActivity = this.now();
    });
    ws.on('pong', () => {
      if (ws === this.ws) this.onPong();
    });
    ws.on('error', (err: Error) => {
      if (ws !== this.ws) return;
      this.failReason ??= err.message;
      this.log.debug({ err }, 'websocket error');
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason.toString()));
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.lastActivity = this.now();
    this.bucket?.reset();
    const auth = this.spec.auth;
    if (auth) {
      this.setState('authenticating', 'socket open');
      this.enqueue(auth.request());
    } else {
      this.onReady();
    }
  }

  private onReady(): void {
    clearTimeout(this.connectTimer);
    this.connectedAt = this.now();
    this.ready = true;
    this.consecutiveFailures = 0;
    this.setState('connected', this.reconnects === 0 ? 'connected' : 'reconnected');
    this.breaker.recordSuccess();
    this.armProbation();
    this.startHeartbeat();
    const subs = this.spec.subscribeMessages();
    for (let i = 0; i < subs.length; i++) this.enqueue(subs[i]);
  }

  private onMessage(ws: WebSocket, data: RawData): void {
    if (ws !== this.ws) return;
    const ts = this.now();
    this.lastActivity = ts;
    this.lastFrameAt = ts;
    this.frames++;
    const text = toText(data);
    if (this.currentState === 'authenticating') {
      this.onAuthFrame(ws, text);
      return;
    }
    const hb = this.spec.heartbeat;
    if (hb.kind === 'app' && hb.isPong(text)) {
      this.onPong();
      return;
    }
    try {
      this.handlers.onFrame(text, ts);
    } catch (err) {
      this.log.error({ err }, 'frame handler threw; frame dropped');
    }
  }

  private onAuthFrame(ws: WebSocket, text: string): void {
    const verdict = this.spec.auth?.check(text) ?? 'ok';
    if (verdict === 'ok') this.onReady();
    else if (verdict !== 'pending') {
      this.failReason = `authentication rejected: ${verdict.rejected}`;
      this.retry = verdict.retry ?? 'backoff';
      ws.close(1000);
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.stopTimers();
    this.queue = [];
    this.queueHead = 0;
    const why = this.failReason ?? `closed by server (code ${code}${reason ? `, ${reason}` : ''})`;
    // Success = a connection that stayed up: a server that accepts and drops at once keeps
    // growing the delay instead (Binance allows 300 connection attempts per 5 min per IP).
    if (this.connectedAt !== undefined && this.now() - this.connectedAt >= this.stableAfterMs)
      this.backoff.reset();
    this.connectedAt = undefined;
    const wasReady = this.ready;
    this.ready = false;
    if (this.closing) {
      this.setState('disconnected', why);
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (let i = 0; i < waiters.length; i++) waiters[i]();
      return;
    }
    const retry = this.retry;
    this.retry = 'backoff';
    if (retry === 'stop') {
      this.stopped = true;
      this.log.error({ reason: why }, 'not reconnecting: the venue refused this connection for good');
      this.setState('disconnected', `${why}; not reconnecting`);
      return;
    }
    this.setState('disconnected', why);
    // An attempt that never got connected is a failure; so is losing a link on trial (half-open).
    if (!wasReady) this.consecutiveFailures++;
    if (!wasReady || this.breaker.state === 'half-open') this.breaker.recordFailure(why);
    this.scheduleReconnect(retry === 'backoff' ? 0 : retry.afterMs, why);
  }

  /**
   * After the backoff delay, plus `extraMs` when the venue asked for a longer wait, and never
   * while the breaker is open. Past `maxReconnects` failures in a row: no attempt ever again.
   */
  private scheduleReconnect(extraMs = 0, why = 'cannot connect'): void {
    if (this.closing) return;
    const attempts = this.backoff.attempts;
    if (this.maxReconnects !== undefined && attempts >= this.maxReconnects) {
      this.stopped = true;
      const reason = `${MAX_RECONNECTS_REACHED}: ${attempts} reconnect attempts failed in a row (last: ${why}); not reconnecting`;
      this.log.error({ attempts, reason: why }, 'retry limit reached; not reconnecting');
      this.handlers.onMaxReconnects?.(attempts, reason, this.now());
      this.handlers.onStatus('disconnected', reason, this.now());
      return;
    }
    const delay = Math.max(this.backoff.next() + extraMs, this.breaker.waitMs());
    this.log.warn(
      { delayMs: delay, attempt: this.backoff.attempts, breaker: this.breaker.state },
      'reconnecting after backoff',
    );
    this.reconnectTimer = setTimeout(() => this.attempt(), delay);
  }

  /** A timer may fire a millisecond early: an attempt never goes out while the breaker is open. */
  private attempt(): void {
    const wait = this.breaker.waitMs();
    if (wait > 0) {
      this.reconnectTimer = setTimeout(() => this.attempt(), wait);
      return;
    }
    this.breaker.beforeAttempt();
    this.reconnects++;
    this.connect();
  }

  private onBreakerChange(state: BreakerState, reason: string): void {
    if (state === 'open') this.log.error({ reason }, 'circuit breaker open');
    else this.log.warn({ reason }, `circuit breaker ${state}`);
    this.handlers.onBreaker?.(state, reason, this.now());
  }

  /**
   * A half-open breaker needs `successes` in a row but one link connects once: each further
   * `stableAfterMs` that link stays up and delivers frames counts as one more success.
   */
  private armProbation(): void {
    if (this.breaker.state !== 'half-open') return;
    const framesAtStart = this.frames;
    this.probationTimer = setTimeout(
      () => {
        this.probationTimer = undefined;
        if (!this.ready || this.breaker.state !== 'half-open') return;
        if (this.frames > framesAtStart) this.breaker.recordSuccess();
        this.armProbation();
      },
      Math.max(this.stableAfterMs, 10),
    );
  }

  private onPong(): void {
    if (this.pingSentAt !== undefined) {
      this.pingRttMs = this.now() - this.pingSentAt;
      this.pingSentAt = undefined;
    }
    this.clearPongDeadline();
  }

  private startHeartbeat(): void {
    if (this.silenceTimeoutMs > 0) this.armSilence(this.silenceTimeoutMs);
    const hb = this.spec.heartbeat;
    if (hb.kind === 'server') return;
    this.pingTimer = setInterval(() => {
      const ws = this.ws;
      if (ws === undefined || this.currentState !== 'connected') return;
      this.pingSentAt ??= this.now();
      if (hb.kind === 'protocol') ws.ping();
      else this.enqueue(hb.ping());
      if (this.pongTimer === undefined) {
        this.pongTimer = setTimeout(() => {
          this.pongTimer = undefined;
          this.failReason = `no pong within ${hb.pongTimeoutMs}ms`;
          ws.terminate();
        }, hb.pongTimeoutMs);
      }
    }, hb.intervalMs);
  }

  private clearPongDeadline(): void {
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  /** One timer per silence period (not one per frame): on expiry, re-arm for the remainder. */
  private armSilence(delay: number): void {
    this.silenceTimer = setTimeout(() => {
      const ws = this.ws;
      if (ws === undefined) return;
      const idle = this.now() - this.lastActivity;
      if (idle < this.silenceTimeoutMs) {
        this.armSilence(this.silenceTimeoutMs - idle);
        return;
      }
      const reason = `no data or ping for ${idle}ms`;
      this.log.warn({ idleMs: idle }, 'link silent; reconnecting');
      this.handlers.onStatus('stale', reason, this.now());
      this.failReason = reason;
      ws.terminate();
    }, delay);
  }

  private enqueue(data: string): boolean {
    if (this.queue.length - this.queueHead >= this.maxQueued) {
      this.log.warn({ maxQueued: this.maxQueued }, 'outgoing queue full; message refused');
      return false;
    }
    this.queue.push(data);
    this.flush();
    return true;
  }

  private flush(): void {
    if (this.sendTimer !== undefined) return; // waiting for a token
    const ws = this.ws;
    if (ws === undefined) return;
    const queue = this.queue;
    while (this.queueHead < queue.length) {
      if (this.bucket !== undefined && !this.bucket.tryTake()) {
        // Let go of what was already sent while we wait for a token.
        if (this.queueHead >= 1024) {
          queue.splice(0, this.queueHead);
          this.queueHead = 0;
        }
        this.sendTimer = setTimeout(() => {
          this.sendTimer = undefined;
          this.flush();
        }, this.bucket.waitMs());
        return;
      }
      ws.send(queue[this.queueHead++]);
      this.sent++;
    }
    queue.length = 0;
    this.queueHead = 0;
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.silenceTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearTimeout(this.sendTimer);
    clearTimeout(this.probationTimer);
    this.pongTimer = undefined;
    this.sendTimer = undefined;
    this.probationTimer = undefined;
  }

  private setState(state: FeedState, reason: string): void {
    this.currentState = state;
    // Losing the link is worth a warning; closing it ourselves is not.
    if (state === 'disconnected' && !this.closing) this.log.warn({ reason }, 'disconnected');
    else this.log.info({ reason }, state);
    this.handlers.onStatus(state, reason, this.now());
  }
}

function toText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
