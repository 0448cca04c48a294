/**
 * The publisher's end of the link to the hub (see link-wire.ts): a {@link ReplaySink} that
 * batches serialized events into WebSocket frames, through a send buffer while connected and a
 * reconnection buffer while not (both bounded, with the configured overflow policy). The hub acks
 * the batches it pushed, cumulatively; {@link delivered} resolves once everything pushed so far
 * was acked (or dropped, counted), which is when the publisher saves offsets. Reconnects with
 * backoff (1 s doubling to 60 s by default) and gives up after `maxRetries` failed attempts in a row.
 */
import WebSocket from 'ws';
import type { Logger } from '../../core/logger.js';
import type { Exchange } from '../../core/types.js';
import type { DropReason } from '../hub-observer.js';
import { asSnapshot, type ReplayEvent, type ReplaySink } from '../events.js';
import {
  BoundedBuffer,
  type BufferLimits,
  type BufferedItem,
  type OverflowPolicy,
} from './bounded-buffer.js';
import {
  encodeAdvance,
  encodeBatch,
  encodeItem,
  encodeSeek,
  withFull,
  type ControlAction,
  type LinkItem,
  type HubToPublisher,
  type PublisherState,
} from './link-wire.js';

export interface LinkSenderOptions {
  /** `ws://127.0.0.1:3100/_link/binance` */
  readonly url: string;
  readonly exchange: Exchange;
  readonly symbols: readonly string[];
  readonly logger: Logger;
  readonly policy: OverflowPolicy;
  readonly sendBuffer: BufferLimits;
  readonly reconnectBuffer: BufferLimits;
  /** First reconnect delay, ms (default 1000), doubling up to `maxBackoffMs` (default 60000). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Failed connects in a row before giving up (`onGiveUp`); default unlimited. */
  readonly maxRetries?: number;
  /** A frame carries at most this much item text (default 256 KiB). */
  readonly maxBatchBytes?: number;
  /** The socket's own queue above which batches wait in the send buffer (default 1 MiB). */
  readonly highWaterBytes?: number;
  /** How long `close()` waits for acks and the close handshake, ms (default 5000). */
  readonly closeTimeoutMs?: number;
  /**
   * Every this many updates of a book, the update carries the whole book after it (default 64):
   * a hub that defers its book rebuilds it from there, parsing at most this many diffs.
   */
  readonly fullEvery?: number;
  readonly onControl: (action: ControlAction) => Promise<void>;
  readonly onGiveUp: (attempts: number) => void;
}

interface InFlight {
  readonly seq: number;
  readonly lastItem: number;
  readonly items: BufferedItem[];
}

type Drops = Partial<Record<DropReason, Record<string, number>>>;

export class LinkSender implements ReplaySink {
  private readonly opts: LinkSenderOptions;
  private readonly send: BoundedBuffer;
  private readonly reconnect: BoundedBuffer;
  private readonly dropCounts: Drops = {};
  private ws: WebSocket | undefined;
  private connected = false;
  private closing = false;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private batchSeq = 0;
  private itemSeq = 0;
  /** Every item up to this one was acked by the hub or dropped. */
  private settledThrough = 0;
  private readonly inFlight: InFlight[] = [];
  private waiters: Array<{ through: number; resolve: () => void; reject: (err: Error) => void }> = [];
  private roomWaiters: Array<() => void> = [];
  private sendRoomWaiters: Array<() => void> = [];
  private readonly brokenBooks = new Set<string>();
  /** Per symbol: book updates sent since the last whole book. */
  private readonly sinceFull = new Map<string, number>();
  private lastState: PublisherState | undefined;
  private gaveUp = false;
  /** Connected, the hub's welcome not read yet: nothing is sent. */
  private welcomePending = false;

  constructor(opts: LinkSenderOptions) {
    this.opts = opts;
    const onDrop = (reason: DropReason, symbol: string, count: number): void =>
      this.onDrop(reason, symbol, count);
    this.send = new BoundedBuffer(opts.sendBuffer, opts.policy, 'overflow', onDrop);
    this.reconnect = new BoundedBuffer(opts.reconnectBuffer, opts.policy, 'reconnect-overflow', onDrop);
  }

  /** Connect (and keep reconnecting until `close()` or the retry limit). */
  start(): void {
    this.connect();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  drops(): Drops {
    return this.dropCounts;
  }

  buffers(): PublisherState['buffers'] {
    return {
      transform: { messages: 0, bytes: 0 },
      send: { messages: this.send.length, bytes: this.send.bytes },
      reconnect: { messages: this.reconnect.length, bytes: this.reconnect.bytes },
    };
  }

  push(event: ReplayEvent): void {
    if (this.closing) return;
    this.collectBroken(event.symbol);
    let out = event;
    if (
      (event.kind === 'book_update' || event.kind === 'book_snapshot') &&
      this.brokenBooks.size > 0 &&
      this.brokenBooks.delete(event.symbol)
    )
      out = asSnapshot(event);
    let text = out === event && event.wire !== undefined ? event.wire : encodeItem(out);
    if (out.kind === 'book_snapshot') this.sinceFull.set(out.symbol, 0);
    else if (out.kind === 'book_update') {
      const since = (this.sinceFull.get(out.symbol) ?? 0) + 1;
      const due = since >= (this.opts.fullEvery ?? 64);
      if (due) text = withFull(text, out.fullRaw ?? fullText(out.full));
      this.sinceFull.set(out.symbol, due ? 0 : since);
    }
    this.enqueue({ text, symbol: event.symbol, kind: out.kind, at: Date.now(), seq: ++this.itemSeq });
  }

  advanceTo(ts: number): void {
    if (this.closing) return;
    this.enqueue({ text: encodeAdvance(ts), symbol: '', kind: 'adv', at: Date.now(), seq: ++this.itemSeq });
  }

  /** The publisher was seeked to `ts`: the hub sets the venue's clock back with it, in order. */
  seeked(_exchange: Exchange, ts: number): void {
    if (this.closing) return;
    this.enqueue({ text: encodeSeek(ts), symbol: '', kind: 'adv', at: Date.now(), seq: ++this.itemSeq });
  }

  /**
   * Resolves once everything pushed so far was acked by the hub (or dropped by the overflow
   * policy, counted); rejects when the link stops before that (closed, gave up): what was not
   * delivered must not count as published.
   */
  delivered(): Promise<void> {
    const through = this.itemSeq;
    if (this.settledThrough >= through) return Promise.resolve();
    if (this.closing || this.gaveUp) return Promise.reject(new Error('link: stopped before delivering'));
    return new Promise((resolve, reject) => this.waiters.push({ through, resolve, reject }));
  }

  backpressure(): Promise<void> | undefined {
    if (this.opts.policy !== 'rate-adaptive' || !this.active().full) return undefined;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  room(): Promise<void> | undefined {
    if (this.sendHasRoom()) return undefined;
    return new Promise((resolve) => this.sendRoomWaiters.push(resolve));
  }

  /**
   * Down, or the send buffer under half its bounds: a waiter there goes on (the half leaves room
   * for the next item, whatever its size, and for a whole batch of pushes between two flushes).
   */
  private sendHasRoom(): boolean {
    if (!this.connected || this.reconnect.length > 0) return true;
    const { maxMessages, maxBytes } = this.opts.sendBuffer;
    return this.send.length < maxMessages / 2 && this.send.bytes < maxBytes / 2;
  }

  /** Sends the publisher's state now (not buffered; skipped while disconnected). */
  status(state: PublisherState): void {
    this.lastState = state;
    if (this.connected) this.ws?.send(JSON.stringify({ t: 'status', ...state }));
  }

  /**
   * Graceful stop: take nothing more, send what is buffered, wait for the acks and the close
   * handshake (each up to `closeTimeoutMs`); what could not be sent is counted as dropped.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const timeout = this.opts.closeTimeoutMs ?? 5000;
    if (this.connected && this.settledThrough < this.itemSeq) {
      const through = this.itemSeq;
      await withTimeout(
        new Promise<void>((resolve, reject) => this.waiters.push({ through, resolve, reject })),
        timeout,
      );
    }
    clearTimeout(this.retryTimer);
    this.send.clear('shutdown');
    this.reconnect.clear('shutdown');
    for (const f of this.inFlight.splice(0)) this.countItems(f.items, 'shutdown');
    this.failWaiters('link: closed before delivering');
    this.welcome();
    const ws = this.ws;
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) {
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      ws.close(1000, 'publisher stopping');
      await withTimeout(closed, timeout);
    }
    ws?.terminate();
  }

  // ---- connection

  private connect(): void {
    if (this.closing) return;
    const ws = new WebSocket(this.opts.url, {
      perMessageDeflate: false,
      // A zero mask leaves the payload as it is (ws skips masking, and the hub unmasking): the link
      // is a loopback connection to our own hub, behind a token, where masking guards nothing.
      generateMask: (mask) => mask.fill(0),
    });
    this.ws = ws;
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('error', (err) => {
      if (!this.connected) this.opts.logger.debug({ err: err.message }, 'link: connect failed');
      else this.opts.logger.warn({ err: err.message }, 'link: socket error');
    });
    ws.on('close', (code) => this.onClose(ws, code));
  }

  private onOpen(ws: WebSocket): void {
    if (this.ws !== ws) return;
    this.connected = true;
    if (this.attempts > 0) this.opts.logger.info({ attempts: this.attempts }, 'link: reconnected to the hub');
    this.attempts = 0;
    ws.send(
      JSON.stringify({
        t: 'hello',
        exchange: this.opts.exchange,
        pid: process.pid,
        symbols: this.opts.symbols,
      }),
    );
    if (this.lastState !== undefined) this.status(this.lastState);
    // Batches wait for the welcome: it says whether queued increments can apply at this hub.
    this.welcomePending = true;
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    const wasConnected = this.connected;
    this.connected = false;
    // Unacked batches may not have reached the hub: they go again, first, after the reconnect.
    const unacked = this.inFlight.splice(0);
    const retry = new BoundedBuffer(
      { maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER },
      'drop-oldest',
      'overflow',
      () => {},
    );
    for (const f of unacked) for (const item of f.items) retry.push(item);
    this.reconnect.drainInto(retry);
    this.send.drainInto(retry);
    retry.drainInto(this.reconnect);
    this.wakeRoom();
    if (this.closing) return;
    if (wasConnected)
      this.opts.logger.warn({ code, buffered: this.reconnect.length }, 'link: lost the hub; reconnecting');
    this.attempts++;
    const max = this.opts.maxRetries;
    if (max !== undefined && this.attempts > max) {
      this.opts.logger.error({ attempts: this.attempts - 1 }, 'link: giving up on the hub');
      this.gaveUp = true;
      this.failWaiters('link: gave up on the hub');
      this.welcome();
      this.opts.onGiveUp(this.attempts - 1);
      return;
    }
    const base = this.opts.backoffMs ?? 1000;
    const delay = Math.min(base * 2 ** Math.max(0, this.attempts - 1), this.opts.maxBackoffMs ?? 60_000);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private onMessage(text: string): void {
    let message: HubToPublisher;
    try {
      message = JSON.parse(text) as HubToPublisher;
    } catch {
      this.opts.logger.warn({ text: text.slice(0, 200) }, 'link: unreadable message from the hub');
      return;
    }
    if (message.t === 'ack') this.onAck(message.seq);
    else if (message.t === 'welcome') this.onWelcome(message.fresh);
    else if (message.t === 'control') void this.onControlMessage(message);
  }

  private welcome!: () => void;
  /** Resolves at the hub's first welcome (or when the link stops). */
  readonly welcomed: Promise<void> = new Promise((resolve) => (this.welcome = resolve));

  private onWelcome(fresh: boolean): void {
    this.welcomePending = false;
    this.scheduleFlush();
    if (fresh) {
      // A hub without this exchange's books: queued increments cannot apply there; every book
      // starts again from the whole snapshot its next event carries.
      for (const symbol of this.opts.symbols) {
        this.reconnect.dropIncrements(symbol);
        this.send.dropIncrements(symbol);
        this.brokenBooks.add(symbol);
      }
    }
    this.welcome();
  }

  private async onControlMessage(message: HubToPublisher & { t: 'control' }): Promise<void> {
    const { id, t: _t, ...action } = message;
    let reply: { t: 'reply'; id: number; ok: boolean; error?: string };
    try {
      await this.opts.onControl(action as ControlAction);
      reply = { t: 'reply', id, ok: true };
    } catch (err) {
      reply = { t: 'reply', id, ok: false, error: (err as Error).message };
    }
    if (this.connected) this.ws?.send(JSON.stringify(reply));
  }

  private onAck(seq: number): void {
    while (this.inFlight.length > 0 && this.inFlight[0].seq <= seq) {
      const f = this.inFlight.shift() as InFlight;
      this.settle(f.lastItem);
    }
    this.scheduleFlush();
  }

  // ---- buffering

  private active(): BoundedBuffer {
    return this.connected && this.reconnect.length === 0 ? this.send : this.reconnect;
  }

  private enqueue(item: BufferedItem): void {
    const buffer = this.active();
    buffer.push(item);
    // A drop this push made marks the book for the next event.
    if (item.kind !== 'adv') this.collectBroken(item.symbol);
    this.scheduleFlush();
  }

  /**
   * Takes a buffer's mark that `symbol`'s book lost an item. Either buffer's: the drop may have
   * happened in the other one, before a drain or a reconnect moved the pushes on.
   */
  private collectBroken(symbol: string): void {
    if (this.send.takeBroken(symbol) || this.reconnect.takeBroken(symbol)) this.brokenBooks.add(symbol);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.connected) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const ws = this.ws;
    if (!this.connected || ws === undefined || this.welcomePending) return;
    const high = this.opts.highWaterBytes ?? 1 << 20;
    const maxBatch = this.opts.maxBatchBytes ?? 256 * 1024;
    while (ws.bufferedAmount < high) {
      const from = this.reconnect.length > 0 ? this.reconnect : this.send;
      if (from.length === 0) break;
      const items = from.take(maxBatch);
      const seq = ++this.batchSeq;
      const texts = new Array<LinkItem>(items.length);
      for (let i = 0; i < items.length; i++) texts[i] = items[i].text;
      this.inFlight.push({ seq, lastItem: items[items.length - 1].seq, items });
      ws.send(encodeBatch(seq, items[0].at, texts), { binary: false }, () => this.scheduleFlush());
    }
    this.wakeRoom();
    this.settleIfIdle();
  }

  /** Nothing buffered or in flight: whatever was pushed was acked or dropped. */
  private settleIfIdle(): void {
    if (this.inFlight.length === 0 && this.send.empty && this.reconnect.empty) this.settle(this.itemSeq);
  }

  private wakeRoom(): void {
    if (this.sendRoomWaiters.length > 0 && this.sendHasRoom())
      for (const wake of this.sendRoomWaiters.splice(0)) wake();
    if (this.roomWaiters.length === 0 || this.active().full) return;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private settle(through: number): void {
    if (through > this.settledThrough) this.settledThrough = through;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) (w.through <= this.settledThrough ? w.resolve : () => still.push(w))();
    this.waiters = still;
  }

  private failWaiters(why: string): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error(why));
  }

  private onDrop(reason: DropReason, symbol: string, count: number): void {
    const bySymbol = (this.dropCounts[reason] ??= {});
    bySymbol[symbol] = (bySymbol[symbol] ?? 0) + count;
    queueMicrotask(() => this.settleIfIdle());
  }

  private countItems(items: readonly BufferedItem[], reason: DropReason): void {
    for (const item of items) if (item.kind !== 'adv') this.onDrop(reason, item.symbol, 1);
  }
}

function fullText(full: unknown): string | undefined {
  return full === undefined ? undefined : JSON.stringify(full);
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
