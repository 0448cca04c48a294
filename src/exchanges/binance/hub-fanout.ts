import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { ChannelFanout } from '../../net/channel-fanout.js';

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
 * One outgoing event, serialized lazily and at most once, whatever number of streams and
 * consumers it goes to. Reused for every event (publishing is synchronous).
 */
export class OutgoingFrame {
  private data: unknown = undefined;
  private raw: Buffer | undefined = undefined;

  reset(data: unknown): this {
    this.data = data;
    this.raw = undefined;
    return this;
  }

  /** The bare event's bytes (built on first use). */
  bytes(counters: { payloadsSerialized: number }): Buffer {
    if (this.raw === undefined) {
      this.raw = Buffer.from(JSON.stringify(this.data));
      counters.payloadsSerialized++;
    }
    return this.raw;
  }
}

export interface FanoutCounters {
  /** JSON.stringify calls for outgoing events. */
  payloadsSerialized: number;
  /** Frame batches built: per stream per flush, one per envelope in use. */
  batchesFramed: number;
  /** Events delivered: events × consumers. */
  deliveries: number;
  /** Socket writes: one per consumer per stream per flush, corked together per consumer. */
  socketWrites: number;
  /** Consumers closed for letting their send buffer grow past the limit. */
  slowConsumersDropped: number;
}

export interface FanoutOptions {
  /** A consumer whose socket holds more than this many unsent bytes at a flush is dropped. */
  readonly maxBufferedBytes: number;
  /** Called once per dropped slow consumer, after it left every channel. */
  readonly onSlowConsumer: (c: BinanceConsumer) => void;
}

/**
 * Binance stream names over the shared {@link ChannelFanout}: a raw-envelope consumer gets the
 * bare event, a combined one `{"stream","data"}`; each event is serialized once for both.
 */
export class BinanceFanout {
  private readonly own = { payloadsSerialized: 0 };
  private readonly channels: ChannelFanout<BinanceConsumer>;

  constructor(opts: FanoutOptions) {
    this.channels = new ChannelFanout<BinanceConsumer>({
      maxBufferedBytes: opts.maxBufferedBytes,
      onSlow: (c) => {
        c.closing = true;
        this.remove(c);
        opts.onSlowConsumer(c);
      },
    });
  }

  get counters(): FanoutCounters {
    const c = this.channels.counters;
    return {
      payloadsSerialized: this.own.payloadsSerialized,
      batchesFramed: c.batchesFramed,
      deliveries: c.deliveries,
      socketWrites: c.socketWrites,
      slowConsumersDropped: c.slowDropped,
    };
  }

  /** True when someone listens to `name` (so derived events are worth computing). */
  has(name: string): boolean {
    return this.channels.has(name);
  }

  get channelCount(): number {
    return this.channels.channelCount;
  }

  subscribe(c: BinanceConsumer, name: string): void {
    if (c.streams.has(name)) return;
    c.streams.add(name);
    this.channels.subscribe(c, name, c.combined);
  }

  unsubscribe(c: BinanceConsumer, name: string): void {
    if (!c.streams.delete(name)) return;
    this.channels.unsubscribe(c, name);
  }

  /** Switch a consumer's envelope on all its streams. */
  setCombined(c: BinanceConsumer, combined: boolean): void {
    if (c.combined === combined) return;
    for (const name of c.streams) {
      this.channels.unsubscribe(c, name);
      this.channels.subscribe(c, name, combined);
    }
    c.combined = combined;
  }

  /** Leave every channel (on close or drop). Keeps `c.streams` for diagnostics. */
  remove(c: BinanceConsumer): void {
    for (const name of c.streams) this.channels.unsubscribe(c, name);
  }

  /** Queue `frame` on stream `name` for its subscribers, raw and combined. */
  publish(name: string, frame: OutgoingFrame): void {
    if (!this.channels.has(name)) return;
    this.channels.publish(name, frame.bytes(this.own));
  }

  /** Send a single frame (control reply, shutdown notice) to one consumer, ahead of queued ones. */
  sendTo(c: BinanceConsumer, text: string): void {
    if (c.closing) return;
    this.channels.send(c, text);
  }

  /** Drop every channel (the endpoint is closing). */
  close(): void {
    this.channels.close();
  }
}
