/**
 * Per-stage latency of the messages a gateway serves, sampled (one bus message in `every`) so
 * the hot path pays a counter increment for the others:
 *
 * - `exchange_to_receipt`: ingest's local receipt time − the exchange's timestamp;
 * - `receipt_to_bus`: ingest receipt → the message reaching this gateway from the bus (on the
 *   memory bus that is ingest's own processing up to the publish; on Redis it adds the hop, and
 *   the clock of the ingesting host);
 * - `bus_to_flush`: the bus delivery → the fan-out flush that wrote it to client sockets.
 */
import { performance } from 'node:perf_hooks';

export const LATENCY_STAGES = ['exchange_to_receipt', 'receipt_to_bus', 'bus_to_flush'] as const;
export type LatencyStage = (typeof LATENCY_STAGES)[number];

export type StageObserver = (stage: LatencyStage, seconds: number) => void;

export interface LatencySamplerOptions {
  readonly observe: StageObserver;
  /** Sample one bus message in this many. Default 16. */
  readonly every?: number;
  /** Wall clock (ms) the message timestamps are compared with. */
  readonly now?: () => number;
  /** Monotonic clock (ms) for the delivery → flush stage. */
  readonly clock?: () => number;
}

export const DEFAULT_SAMPLE_EVERY = 16;

/** The timestamps of a normalized message. */
export interface Timestamped {
  readonly timestamp: number;
  readonly localTimestamp: number;
}

export class LatencySampler {
  private readonly observe: StageObserver;
  private readonly every: number;
  private readonly now: () => number;
  private readonly clock: () => number;
  private count = 0;
  /** Clock time of the sampled message waiting for its flush, or -1. */
  private pendingAt = -1;

  constructor(opts: LatencySamplerOptions) {
    const every = opts.every ?? DEFAULT_SAMPLE_EVERY;
    if (!Number.isInteger(every) || every < 1) {
      throw new RangeError(`latency sampling: every must be a whole number >= 1, got ${every}`);
    }
    this.observe = opts.observe;
    this.every = every;
    this.now = opts.now ?? Date.now;
    this.clock = opts.clock ?? (() => performance.now());
  }

  /**
   * A bus message reached this gateway. `queued`: it is about to be queued for clients (call
   * this before queueing it, since a full batch flushes at once).
   */
  onBusMessage(data: Timestamped, queued: boolean): void {
    if (++this.count < this.every) return;
    this.count = 0;
    const now = this.now();
    // A negative difference is clock skew between hosts: counted in the lowest bucket.
    this.observe('exchange_to_receipt', Math.max(0, data.localTimestamp - data.timestamp) / 1000);
    this.observe('receipt_to_bus', Math.max(0, now - data.localTimestamp) / 1000);
    if (queued && this.pendingAt < 0) this.pendingAt = this.clock();
  }

  /** The fan-out wrote a flush to its clients' sockets. */
  onFlushed(): void {
    if (this.pendingAt < 0) return;
    this.observe('bus_to_flush', Math.max(0, this.clock() - this.pendingAt) / 1000);
    this.pendingAt = -1;
  }
}
