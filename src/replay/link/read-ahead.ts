/**
 * The transform buffer: a {@link ReplaySource} that runs another one ahead of the pacer, holding
 * up to a bound of transformed events (messages and bytes), each serialized once as its link item
 * (`wire`) on the way in. It holds the inner source's runs of events whole (a chunk of the
 * timeline cache), so the bound is checked per run and may be passed by one. When the bound is
 * reached, the transform simply waits: nothing is ever dropped here, the recordings are read no
 * faster than they are sent.
 */
import type { ReplayEvent } from '../events.js';
import { eventsOf, passChunks, type ReplaySource } from '../source.js';
import type { BufferLimits } from './bounded-buffer.js';
import { ItemEvent } from './item-event.js';
import { encodeItem } from './link-wire.js';

/**
 * An event of a venue's own source as the buffer holds it: serialized, its link item and its
 * whole book (`full`, the bulk of a book update) as JSON, the parsed objects let go. So the byte
 * bound counts what is held, and a whole book costs its JSON size rather than several times that
 * in arrays of strings.
 */
class SerializedEvent extends ItemEvent {
  readonly wire: string;
  readonly fullRaw: Buffer | undefined;

  constructor(event: ReplayEvent) {
    super(event.exchange, event.symbol, event.ts, event.kind, event.origin);
    this.wire = encodeItem(event);
    this.fullRaw =
      event.fullRaw ?? (event.full === undefined ? undefined : Buffer.from(JSON.stringify(event.full)));
  }

  /** Bytes held: the item and the whole book. */
  get size(): number {
    return this.wire.length + (this.fullRaw?.length ?? 0);
  }
}

export class ReadAheadSource implements ReplaySource {
  private readonly inner: ReplaySource;
  private readonly limits: BufferLimits;
  private queued = 0;
  private queuedBytes = 0;

  constructor(inner: ReplaySource, limits: BufferLimits) {
    this.inner = inner;
    this.limits = limits;
  }

  get symbols(): readonly string[] {
    return this.inner.symbols;
  }

  recordingStart(): Promise<number | undefined> {
    return this.inner.recordingStart();
  }

  stats(): Record<string, number> {
    return this.inner.stats();
  }

  /** What the buffer holds now. */
  fill(): { messages: number; bytes: number } {
    return { messages: this.queued, bytes: this.queuedBytes };
  }

  pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    return eventsOf(this.chunks(index, timeShift));
  }

  /** The inner source's runs, each event serialized, read ahead up to the bounds. */
  async *chunks(index: number, timeShift: number): AsyncGenerator<readonly ReplayEvent[]> {
    // A taken run's slot is emptied at once: a run may be a whole chunk of the timeline cache, and
    // the queue must not keep what the pacer already sent.
    const queue: (readonly ReplayEvent[] | undefined)[] = [];
    const sizes: number[] = [];
    let head = 0;
    let done = false;
    let failure: unknown;
    let stopped = false;
    let wakeConsumer: (() => void) | undefined;
    let wakeFiller: (() => void) | undefined;
    const source = passChunks(this.inner, index, timeShift);
    const fill = async (): Promise<void> => {
      try {
        for await (const run of source) {
          if (stopped) return;
          let bytes = 0;
          const ready = run.map((event) => {
            // An event of the timeline cache is bytes already, its whole book left in the side file.
            if (event.wire !== undefined) {
              bytes += event.wire.length;
              return event;
            }
            const held = new SerializedEvent(event);
            bytes += held.size;
            return held;
          });
          queue.push(ready);
          sizes.push(bytes);
          this.queued += ready.length;
          this.queuedBytes += bytes;
          wakeConsumer?.();
          while (
            !stopped &&
            (this.queued >= this.limits.maxMessages || this.queuedBytes >= this.limits.maxBytes)
          )
            await new Promise<void>((resolve) => (wakeFiller = resolve));
        }
      } catch (err) {
        failure = err;
      } finally {
        done = true;
        wakeConsumer?.();
      }
    };
    const filling = fill();
    try {
      for (;;) {
        while (head === queue.length && !done) await new Promise<void>((resolve) => (wakeConsumer = resolve));
        wakeConsumer = undefined;
        if (head === queue.length) break;
        const run = queue[head] as readonly ReplayEvent[];
        queue[head] = undefined;
        this.queued -= run.length;
        this.queuedBytes -= sizes[head];
        head++;
        if (head > 64) {
          queue.splice(0, head);
          sizes.splice(0, head);
          head = 0;
        }
        wakeFiller?.();
        wakeFiller = undefined;
        yield run;
      }
      if (failure !== undefined) throw failure;
    } finally {
      stopped = true;
      wakeFiller?.();
      this.queued = 0;
      this.queuedBytes = 0;
      await source.return(undefined);
      await filling;
    }
  }
}
