import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { WriteBatcher } from '../../net/write-batcher.js';

/** ws send options for a text frame (a Buffer is sent as binary unless told otherwise). */
const TEXT_FRAME = { binary: false, compress: false, fin: true } as const;
const COMBINED_SUFFIX = Buffer.from('}');

/** One consumer connection on the Binance endpoint. Every field is set in the constructor. */
export class BinanceConsumer {
  readonly id: number;
  readonly ws: WebSocket;
  /** The upgraded TCP socket under `ws`, corked while a burst of frames is written. */
  readonly socket: Duplex;
  /** Combined envelope (`{"stream","data"}`) or bare events; SET_PROPERTY switches it. */
  combined: boolean;
  /** Subscribed stream names in subscription order (LIST_SUBSCRIPTIONS). */
  readonly streams = new Set<string>();
  readonly connectedAt: number;
  /** Last pong that echoed one of our pings (connection time until the first). */
  lastPongAt: number;
  /** Incoming-message rate window (wall clock). */
  windowStart: number;
  windowCount: number;
  /** Set once the hub has decided to close it: no more frames, no more requests. */
  closing: boolean;

  constructor(id: number, ws: WebSocket, socket: Duplex, combined: boolean, now: number) {
    this.id = id;
    this.ws = ws;
    this.socket = socket;
    this.combined = combined;
    this.connectedAt = now;
    this.lastPongAt = now;
    this.windowStart = now;
    this.windowCount = 0;
    this.closing = false;
  }
}

/**
 * One outgoing event, serialized lazily and at most once: the JSON text once, the raw frame
 * (the bare event) once, whatever number of streams and consumers it goes to. Reused for every
 * event (publishing is synchronous), so it allocates nothing of its own per event.
 */
export class OutgoingFrame {
  private data: unknown = undefined;
  private raw: Buffer | undefined = undefined;
  private rawCounted = false;

  reset(data: unknown): this {
    this.data = data;
    this.raw = undefined;
    this.rawCounted = false;
    return this;
  }

  /** The bare event's bytes (built on first use). */
  bytes(counters: FanoutCounters): Buffer {
    if (this.raw === undefined) {
      this.raw = Buffer.from(JSON.stringify(this.data));
      counters.payloadsSerialized++;
    }
    return this.raw;
  }

  /** The raw-envelope frame: the bare bytes, counted as a frame on first use. */
  rawFrame(counters: FanoutCounters): Buffer {
    const b = this.bytes(counters);
    if (!this.rawCounted) {
      this.rawCounted = true;
      counters.framesBuilt++;
    }
    return b;
  }
}

export interface FanoutCounters {
  /** JSON.stringify calls for outgoing events. */
  payloadsSerialized: number;
  /** Frames built: raw (once per event) plus combined (once per event per stream). */
  framesBuilt: number;
  /** Frame writes to sockets (one per consumer per frame). */
  framesSent: number;
  /** Consumers closed for letting their send buffer grow past the limit. */
  slowConsumersDropped: number;
}

/** Subscribers of one stream name, split by envelope. */
class Channel {
  readonly name: string;
  /** `{"stream":"<name>","data":` */
  readonly prefix: Buffer;
  readonly raw: BinanceConsumer[] = [];
  readonly combined: BinanceConsumer[] = [];

  constructor(name: string) {
    this.name = name;
    this.prefix = Buffer.from(`{"stream":${JSON.stringify(name)},"data":`);
  }
}

function removeFrom(list: BinanceConsumer[], c: BinanceConsumer): void {
  const i = list.indexOf(c);
  if (i < 0) return;
  const last = list.pop() as BinanceConsumer;
  if (i < list.length) list[i] = last;
}

export interface FanoutOptions {
  /** A consumer whose `bufferedAmount` exceeds this many bytes is dropped. */
  readonly maxBufferedBytes: number;
  /** Called once per dropped slow consumer, after it left every channel. */
  readonly onSlowConsumer: (c: BinanceConsumer) => void;
}

/**
 * Stream name → subscribers, and the per-event fan-out: each frame is built once and the same
 * Buffer is written to every consumer. A consumer whose send buffer is over the limit is
 * dropped instead of written to, so a slow reader never holds up the others.
 */
export class BinanceFanout {
  readonly counters: FanoutCounters = {
    payloadsSerialized: 0,
    framesBuilt: 0,
    framesSent: 0,
    slowConsumersDropped: 0,
  };
  private readonly channels = new Map<string, Channel>();
  private readonly maxBuffered: number;
  private readonly onSlowConsumer: (c: BinanceConsumer) => void;
  /** Reused between publishes. */
  private readonly drops: BinanceConsumer[] = [];
  private readonly batcher = new WriteBatcher();

  constructor(opts: FanoutOptions) {
    this.maxBuffered = opts.maxBufferedBytes;
    this.onSlowConsumer = opts.onSlowConsumer;
  }

  /** True when someone listens to `name` (so derived events are worth computing). */
  has(name: string): boolean {
    return this.channels.has(name);
  }

  get channelCount(): number {
    return this.channels.size;
  }

  subscribe(c: BinanceConsumer, name: string): void {
    if (c.streams.has(name)) return;
    c.streams.add(name);
    let ch = this.channels.get(name);
    if (ch === undefined) {
      ch = new Channel(name);
      this.channels.set(name, ch);
    }
    (c.combined ? ch.combined : ch.raw).push(c);
  }

  unsubscribe(c: BinanceConsumer, name: string): void {
    if (!c.streams.delete(name)) return;
    const ch = this.channels.get(name);
    if (ch === undefined) return;
    removeFrom(c.combined ? ch.combined : ch.raw, c);
    if (ch.raw.length === 0 && ch.combined.length === 0) this.channels.delete(name);
  }

  /** Switch a consumer's envelope, moving it between the lists of all its channels. */
  setCombined(c: BinanceConsumer, combined: boolean): void {
    if (c.combined === combined) return;
    for (const name of c.streams) {
      const ch = this.channels.get(name);
      if (ch === undefined) continue;
      removeFrom(combined ? ch.raw : ch.combined, c);
      (combined ? ch.combined : ch.raw).push(c);
    }
    c.combined = combined;
  }

  /** Leave every channel (on close or drop). Keeps `c.streams` for diagnostics. */
  remove(c: BinanceConsumer): void {
    for (const name of c.streams) {
      const ch = this.channels.get(name);
      if (ch === undefined) continue;
      removeFrom(c.combined ? ch.combined : ch.raw, c);
      if (ch.raw.length === 0 && ch.combined.length === 0) this.channels.delete(name);
    }
  }

  /** Send `frame` on stream `name` to its subscribers, raw and combined. */
  publish(name: string, frame: OutgoingFrame): void {
    const ch = this.channels.get(name);
    if (ch === undefined) return;
    const counters = this.counters;
    if (ch.raw.length > 0) this.sendAll(ch.raw, frame.rawFrame(counters));
    if (ch.combined.length > 0) {
      const data = frame.bytes(counters);
      const prefix = ch.prefix;
      const wrapped = Buffer.concat([prefix, data, COMBINED_SUFFIX], prefix.length + data.length + 1);
      counters.framesBuilt++;
      this.sendAll(ch.combined, wrapped);
    }
    if (this.drops.length > 0) this.flushDrops();
  }

  /** Send a single frame (control reply, shutdown notice) to one consumer. */
  sendTo(c: BinanceConsumer, text: string): void {
    if (c.closing || c.ws.readyState !== WebSocket.OPEN) return;
    c.ws.send(Buffer.from(text), TEXT_FRAME);
  }

  private sendAll(list: readonly BinanceConsumer[], bytes: Buffer): void {
    const max = this.maxBuffered;
    const batcher = this.batcher;
    let sent = 0;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      const ws = c.ws;
      if (c.closing || ws.readyState !== WebSocket.OPEN) continue;
      // A held socket may still hold up to `flushBytes` of this turn's frames on top of its backlog.
      const limit = batcher.isHeld(c.socket) ? max + batcher.flushBytes : max;
      if (ws.bufferedAmount > limit) {
        c.closing = true;
        this.drops.push(c);
        continue;
      }
      batcher.hold(c.socket);
      ws.send(bytes, TEXT_FRAME);
      sent++;
    }
    this.counters.framesSent += sent;
  }

  private flushDrops(): void {
    const drops = this.drops;
    for (let i = 0; i < drops.length; i++) {
      const c = drops[i];
      this.remove(c);
      this.counters.slowConsumersDropped++;
      this.onSlowConsumer(c);
    }
    drops.length = 0;
  }
}
