import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { STREAM_TYPE_INDEX, emptySentByType, type SentByType, type StreamType } from './stream-type.js';
import { frameBatch, frameHeaderLength, streamEnvelope, type Envelope } from './ws-frame.js';

/** What the fan-out needs of a connection: its WebSocket (for state and replies) and the socket under it. */
export interface FanoutSubscriber {
  readonly ws: WebSocket;
  readonly socket: Duplex;
}

export interface ChannelFanoutOptions<S extends FanoutSubscriber> {
  /** A subscriber whose socket holds more than this many unsent bytes at a flush is dropped. */
  readonly maxBufferedBytes: number;
  /**
   * Called once per dropped subscriber, after the flush loop: it must stop the subscriber
   * receiving (unsubscribe it from every channel) and close it.
   */
  readonly onSlow: (s: S) => void;
  /** Hold a turn's messages up to this long to coalesce across turns (0: flush after the turn). */
  readonly flushDelayMs?: number;
  /** Flush at once when this many payload bytes are pending (bounds memory in long bursts). */
  readonly flushBytes?: number;
  /** Envelope for wrapped subscribers of a channel (default `{"stream":<name>,"data":…}`). */
  readonly envelope?: (name: string) => Envelope;
  /**
   * The joiner of a channel whose payloads of one flush leave as ONE frame (Alpaca: a JSON array
   * or a MessagePack array of messages), or undefined for one frame per payload (the default).
   */
  readonly joiner?: (name: string) => PayloadJoiner | undefined;
  /** The kind of stream a channel carries, asked once when the channel is created (default `other`). */
  readonly streamType?: (name: string) => StreamType;
  /** Called after each flush that wrote queued payloads (latency sampling). */
  readonly onFlushed?: () => void;
}

/** Joins a channel's payloads of one flush into the payload of a single frame. */
export interface PayloadJoiner {
  /** The one frame's payload made of `payloads` (in publish order, at least one). */
  join(payloads: readonly Buffer[]): Buffer;
  /** Binary frame (MessagePack) rather than text. */
  readonly binary: boolean;
}

export interface ChannelFanoutCounters {
  /** Payloads published on a channel with at least one subscriber. */
  published: number;
  /** Frame batches built: at most two per channel per flush (bare, wrapped). */
  batchesFramed: number;
  /** `socket.write` calls; a flush corks each socket, so its writes leave in one syscall. */
  socketWrites: number;
  /** Messages delivered: payloads × subscribers. */
  deliveries: number;
  /** Subscribers dropped for an over-budget send backlog. */
  slowDropped: number;
}

/** Subscribers of one channel and the payloads published on it since the last flush. */
class Channel<S> {
  readonly name: string;
  /** Subscribers that get each payload as it is. */
  readonly bare: S[] = [];
  /** Subscribers that get each payload inside the channel's envelope. */
  readonly wrapped: S[] = [];
  readonly pending: Buffer[] = [];
  envelope: Envelope | null = null;
  dirty = false;
  readonly joiner: PayloadJoiner | undefined;
  /** Index of the channel's stream type in the fan-out's {@link SentByType} arrays. */
  readonly typeIndex: number;

  constructor(name: string, joiner: PayloadJoiner | undefined, typeIndex: number) {
    this.name = name;
    this.joiner = joiner;
    this.typeIndex = typeIndex;
  }

  /** This flush's frames: one per payload, or the joined one. */
  frames(envelope: Envelope | null): Buffer {
    const j = this.joiner;
    if (j === undefined) return frameBatch(this.pending, envelope);
    return frameBatch([j.join(this.pending)], envelope, j.binary);
  }

  get idle(): boolean {
    return this.bare.length === 0 && this.wrapped.length === 0;
  }
}

function removeFrom<S>(list: S[], s: S): boolean {
  const i = list.indexOf(s);
  if (i < 0) return false;
  const last = list.pop() as S;
  if (i < list.length) list[i] = last;
  return true;
}

const DEFAULT_FLUSH_BYTES = 64 * 1024;
/**
 * With a write delay, flushes are at least the delay apart, or as long as the last one took up to
 * this many times the delay: under load (a flush to thousands of sockets takes milliseconds) batches grow
 * instead of the flushes taking all the time, so latency stays bounded as the load rises.
 */
const ADAPTIVE_DELAY_CAP = 4;

/** The least time between flushes: the write delay, or the last flush's duration up to the cap. */
export function nextFlushDelay(delayMs: number, lastFlushMs: number): number {
  return Math.max(delayMs, Math.min(lastFlushMs, delayMs * ADAPTIVE_DELAY_CAP));
}
const SEND_TEXT = Object.freeze({ binary: false });
const SEND_BINARY = Object.freeze({ binary: true });
const CONTROL = STREAM_TYPE_INDEX.control;
const OTHER = STREAM_TYPE_INDEX.other;

/**
 * Channel name → subscribers, shared by the hub's venues and the gateway. Payloads published on
 * a channel are queued; at the flush (after the turn, or, within `flushDelayMs` of the last
 * flush, once that has passed) each channel's batch is framed once into one buffer, and every
 * subscriber gets that buffer, with all its channels' buffers leaving its socket in one corked
 * write. Per-channel order is kept; replies
 * sent with {@link send} go ahead of whatever is queued. A subscriber over its byte budget is
 * set aside and handed to `onSlow` after the loop, never in the middle of it.
 */
export class ChannelFanout<S extends FanoutSubscriber> {
  readonly counters: ChannelFanoutCounters = {
    published: 0,
    batchesFramed: 0,
    socketWrites: 0,
    deliveries: 0,
    slowDropped: 0,
  };
  /**
   * Messages and bytes written to subscribers, by stream type: channel batches under their
   * channel's type, {@link send} frames under `control` (or the channel they were sent for).
   * Only ever grows; read it, never write it.
   */
  readonly sent: SentByType = emptySentByType();
  private readonly channels = new Map<string, Channel<S>>();
  private readonly maxBuffered: number;
  private readonly onSlow: (s: S) => void;
  private readonly flushDelayMs: number;
  private readonly flushBytes: number;
  private readonly envelopeFor: (name: string) => Envelope;
  private readonly joinerFor: ((name: string) => PayloadJoiner | undefined) | undefined;
  private readonly streamTypeOf: ((name: string) => StreamType) | undefined;
  private readonly onFlushed: (() => void) | undefined;
  /** Reused between flushes. */
  private readonly dirty: Channel<S>[] = [];
  private readonly corked: S[] = [];
  private readonly seen = new Set<S>();
  private readonly dropped = new Set<S>();
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined = undefined;
  private timerIsTimeout = false;
  /** How long the last flush took, ms (see {@link ADAPTIVE_DELAY_CAP}), and when it ended. */
  private lastFlushMs = 0;
  private lastFlushAt = -Infinity;

  constructor(opts: ChannelFanoutOptions<S>) {
    this.maxBuffered = opts.maxBufferedBytes;
    this.onSlow = opts.onSlow;
    this.flushDelayMs = opts.flushDelayMs ?? 0;
    this.flushBytes = opts.flushBytes ?? DEFAULT_FLUSH_BYTES;
    this.envelopeFor = opts.envelope ?? streamEnvelope;
    this.joinerFor = opts.joiner;
    this.streamTypeOf = opts.streamType;
    this.onFlushed = opts.onFlushed;
  }

  /** True while `name` has a subscriber (so a derived payload is worth computing). */
  has(name: string): boolean {
    return this.channels.has(name);
  }

  get channelCount(): number {
    return this.channels.size;
  }

  /** Add `s` to `name`; the caller keeps each (subscriber, channel) pair unique. */
  subscribe(s: S, name: string, wrapped: boolean): void {
    let ch = this.channels.get(name);
    if (ch === undefined) {
      const type = this.streamTypeOf?.(name);
      ch = new Channel<S>(name, this.joinerFor?.(name), type === undefined ? OTHER : STREAM_TYPE_INDEX[type]);
      this.channels.set(name, ch);
    }
    if (wrapped) {
      if (ch.envelope === null) ch.envelope = this.envelopeFor(name);
      ch.wrapped.push(s);
    } else {
      ch.bare.push(s);
    }
  }

  /** Remove `s` from `name`; returns whether it was there. A channel left empty is forgotten. */
  unsubscribe(s: S, name: string): boolean {
    const ch = this.channels.get(name);
    if (ch === undefined) return false;
    const removed = removeFrom(ch.bare, s) || removeFrom(ch.wrapped, s);
    if (ch.idle) this.forget(ch);
    return removed;
  }

  /** Queue `payload` (one message, already serialized) on `name`; false when nobody listens. */
  publish(name: string, payload: Buffer): boolean {
    const ch = this.channels.get(name);
    if (ch === undefined) return false;
    ch.pending.push(payload);
    this.counters.published++;
    if (!ch.dirty) {
      ch.dirty = true;
      this.dirty.push(ch);
    }
    this.pendingBytes += payload.length;
    if (this.pendingBytes >= this.flushBytes) this.flush();
    else if (this.timer === undefined) this.schedule();
    return true;
  }

  /**
   * Send one frame to one subscriber now (a reply, a latest value), ahead of anything queued.
   * A subscriber already over its byte budget is handed to `onSlow` instead; returns whether it was sent.
   * A text frame unless `binary`. Counted as `control`, or as the stream type of `channel` when
   * the frame belongs to one (a snapshot sent to a new subscriber ahead of the channel's data).
   */
  send(s: S, data: Buffer | string, binary = false, channel?: string): boolean {
    if (s.ws.readyState !== WebSocket.OPEN) return false;
    if (s.socket.writableLength > this.maxBuffered) {
      this.counters.slowDropped++;
      this.onSlow(s);
      return false;
    }
    s.ws.send(data, binary ? SEND_BINARY : SEND_TEXT);
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const t = channel === undefined ? CONTROL : (this.channels.get(channel)?.typeIndex ?? OTHER);
    this.sent.messages[t]++;
    this.sent.bytes[t] += frameHeaderLength(length) + length;
    return true;
  }

  /**
   * Send one subscriber `payloads` now, framed (each wrapped in `envelope`) into one buffer and
   * written at once, ahead of anything queued: a catch-up of missed messages. Counted like
   * {@link send}; a subscriber over its budget is handed to `onSlow` instead.
   */
  sendFrames(s: S, payloads: readonly Buffer[], envelope: Envelope | null, channel?: string): boolean {
    if (s.ws.readyState !== WebSocket.OPEN) return false;
    if (s.socket.writableLength > this.maxBuffered) {
      this.counters.slowDropped++;
      this.onSlow(s);
      return false;
    }
    const batch = frameBatch(payloads, envelope);
    s.socket.write(batch);
    const t = channel === undefined ? OTHER : (this.channels.get(channel)?.typeIndex ?? OTHER);
    this.sent.messages[t] += payloads.length;
    this.sent.bytes[t] += batch.length;
    return true;
  }

  /** Frame and write everything queued. Runs by itself after the turn or the write delay. */
  readonly flush = (): void => {
    this.cancelTimer();
    const dirty = this.dirty;
    if (dirty.length === 0) return;
    const started = performance.now();
    this.pendingBytes = 0;
    for (let i = 0; i < dirty.length; i++) {
      const ch = dirty[i];
      ch.dirty = false;
      const n = ch.pending.length;
      if (n === 0) continue;
      if (ch.bare.length > 0) this.writeAll(ch.bare, ch.frames(null), n, ch.typeIndex);
      if (ch.wrapped.length > 0) this.writeAll(ch.wrapped, ch.frames(ch.envelope), n, ch.typeIndex);
      ch.pending.length = 0;
    }
    dirty.length = 0;
    const corked = this.corked;
    for (let i = 0; i < corked.length; i++) corked[i].socket.uncork();
    corked.length = 0;
    this.seen.clear();
    if (this.dropped.size > 0) this.releaseDropped();
    this.lastFlushAt = performance.now();
    this.lastFlushMs = this.lastFlushAt - started;
    this.onFlushed?.();
  };

  /** Drop every channel and queued payload; no flush runs afterwards. */
  close(): void {
    this.cancelTimer();
    this.channels.clear();
    this.dirty.length = 0;
    this.pendingBytes = 0;
  }

  private writeAll(list: readonly S[], batch: Buffer, messages: number, channelType: number): void {
    this.counters.batchesFramed++;
    const seen = this.seen;
    const dropped = this.dropped;
    let writes = 0;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (!seen.has(s)) {
        // The budget is checked once per subscriber per flush, before this flush's writes.
        seen.add(s);
        if (s.ws.readyState !== WebSocket.OPEN) {
          dropped.add(s);
          continue;
        }
        if (s.socket.writableLength > this.maxBuffered) {
          dropped.add(s);
          this.counters.slowDropped++;
          continue;
        }
        s.socket.cork();
        this.corked.push(s);
      } else if (dropped.has(s)) {
        continue;
      }
      s.socket.write(batch);
      writes++;
    }
    this.counters.socketWrites += writes;
    this.counters.deliveries += writes * messages;
    this.sent.messages[channelType] += writes * messages;
    this.sent.bytes[channelType] += writes * batch.length;
  }

  private releaseDropped(): void {
    for (const s of this.dropped) {
      // A subscriber that was simply not open any more is left to its own close handling.
      if (s.ws.readyState === WebSocket.OPEN) this.onSlow(s);
    }
    this.dropped.clear();
  }

  private forget(ch: Channel<S>): void {
    this.channels.delete(ch.name);
    if (!ch.dirty) return;
    ch.dirty = false;
    this.pendingBytes -= ch.pending.reduce((n, p) => n + p.length, 0);
    ch.pending.length = 0;
    const i = this.dirty.indexOf(ch);
    if (i >= 0) this.dirty.splice(i, 1);
  }

  /**
   * After the turn, unless the last flush was less than the write delay ago: then when the delay
   * is up. A quiet stream's message so goes out at once; a busy one's at most once per delay.
   */
  private schedule(): void {
    const d = this.flushDelayMs;
    const wait = d > 0 ? nextFlushDelay(d, this.lastFlushMs) - (performance.now() - this.lastFlushAt) : 0;
    if (wait > 0) {
      this.timer = setTimeout(this.flush, wait);
      this.timerIsTimeout = true;
    } else {
      this.timer = setImmediate(this.flush);
      this.timerIsTimeout = false;
    }
  }

  private cancelTimer(): void {
    const t = this.timer;
    if (t === undefined) return;
    this.timer = undefined;
    if (this.timerIsTimeout) clearTimeout(t as NodeJS.Timeout);
    else clearImmediate(t as NodeJS.Immediate);
  }
}
