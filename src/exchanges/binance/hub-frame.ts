/**
 * Binance events on their way to the streams: each event is serialized lazily and at most once,
 * whatever the number of streams and consumers it goes to, and not at all when none of its
 * streams has a subscriber. The envelope (raw or combined) is the fan-out's business.
 */
import type { ChannelPublisher } from '../../replay/venue-host.js';

/** Where serializations are counted. */
export interface SerializationCounter {
  /** JSON.stringify calls for outgoing events. */
  payloadsSerialized: number;
}

/**
 * One outgoing event, serialized on first use. Reused for every event (publishing is
 * synchronous): `reset` it with the next event.
 */
export class OutgoingFrame {
  private data: unknown = undefined;
  private raw: Buffer | undefined = undefined;

  reset(data: unknown): this {
    this.data = data;
    this.raw = undefined;
    return this;
  }

  /** The event as JSON bytes already (off the link): sent as they are, never serialized. */
  resetRaw(bytes: Buffer): this {
    this.data = undefined;
    this.raw = bytes;
    return this;
  }

  /** The bare event's bytes (built on first use). */
  bytes(counters: SerializationCounter): Buffer {
    if (this.raw === undefined) {
      this.raw = Buffer.from(JSON.stringify(this.data));
      counters.payloadsSerialized++;
    }
    return this.raw;
  }
}

/** Publishes {@link OutgoingFrame}s by stream name through a channel publisher (the venue host). */
export class FramePublisher {
  private readonly out: ChannelPublisher;
  private readonly counters: SerializationCounter;

  constructor(out: ChannelPublisher, counters: SerializationCounter) {
    this.out = out;
    this.counters = counters;
  }

  /** True when someone listens to `name` (so a derived event is worth computing). */
  has(name: string): boolean {
    return this.out.has(name);
  }

  /** Queue `frame` on stream `name`, serializing it only if someone listens. */
  publish(name: string, frame: OutgoingFrame): void {
    if (!this.out.has(name)) return;
    this.out.publish(name, frame.bytes(this.counters));
  }
}
