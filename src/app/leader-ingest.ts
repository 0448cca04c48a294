/**
 * Ingest runs only while this instance leads: started on gaining leadership, closed on losing it.
 * Its bus is gated, so the moment leadership is lost nothing it still emits while closing reaches
 * the real bus (two leaders never publish together). Closing ingest never closes the bus.
 */
import type { Bus, BusMessage, PublishOptions, StreamPosition } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import type { NormalizedMessage } from '../core/types.js';
import type { Leadership } from '../scale/leadership.js';
import type { IngestStack } from './ingest-stack.js';

/** What a dropped publish returns: no position, since nothing was published. */
const NOT_PUBLISHED: StreamPosition = Object.freeze({ offset: 0, epoch: '' });

/** `bus`, with publish and setLatest dropped whenever `open()` is false. */
export function gatedBus(bus: Bus, open: () => boolean): Bus {
  return {
    publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition {
      return open() ? bus.publish(topic, data, opts) : NOT_PUBLISHED;
    },
    setLatest(message: BusMessage, ttlMs: number): void {
      if (open()) bus.setLatest(message, ttlMs);
    },
    subscribe: (topic, handler) => bus.subscribe(topic, handler),
    activeTopics: () => bus.activeTopics(),
    getLatest: (topic) => bus.getLatest(topic),
    history: (topic, since, limit) => bus.history(topic, since, limit),
    status: () => bus.status(),
    // Ingest's bus is the process's: whoever created it closes it.
    close: () => Promise.resolve(),
  };
}

export interface LeaderIngestOptions {
  readonly leadership: Leadership;
  readonly bus: Bus;
  /** Start ingest on the bus given (the gated one). */
  readonly start: (bus: Bus) => IngestStack;
  readonly logger: Logger;
}

export type IngestListener = (ingest: IngestStack | undefined) => void;

export class LeaderIngest {
  private readonly opts: LeaderIngestOptions;
  private stack: IngestStack | undefined;
  /** Closes the current stack's bus gate. */
  private shut: (() => void) | undefined;
  /** Starts and closes, one after the other. */
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<IngestListener>();
  private unfollow: (() => void) | undefined;
  private closed = false;

  constructor(opts: LeaderIngestOptions) {
    this.opts = opts;
  }

  /**
   * Track leadership from now on. Leading already (a lone instance): ingest starts here, and an
   * error starting it is thrown. Later gains start it in the background (errors are logged).
   */
  follow(): void {
    if (this.unfollow !== undefined || this.closed) return;
    this.unfollow = this.opts.leadership.onChange((leads) => this.changed(leads));
    if (this.opts.leadership.isLeader()) this.startStack();
  }

  /** The ingest running now (undefined while following). */
  current(): IngestStack | undefined {
    return this.stack;
  }

  /** Called with the running ingest now and on every start (a stack) and stop (undefined). */
  onIngest(listener: IngestListener): () => void {
    this.listeners.add(listener);
    listener(this.stack);
    return () => this.listeners.delete(listener);
  }

  /** Stop following and close ingest if it runs. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unfollow?.();
    this.stopStack('shutting down');
    await this.chain;
  }

  private changed(leads: boolean): void {
    if (this.closed) return;
    if (!leads) {
      this.stopStack('no longer leading');
      return;
    }
    this.chain = this.chain.then(() => {
      if (this.closed || this.stack !== undefined || !this.opts.leadership.isLeader()) return;
      try {
        this.startStack();
      } catch (err) {
        this.opts.logger.error({ err }, 'ingest could not start after gaining leadership');
      }
    });
  }

  private startStack(): void {
    let open = true;
    const { leadership } = this.opts;
    const stack = this.opts.start(gatedBus(this.opts.bus, () => open && leadership.isLeader()));
    this.stack = stack;
    this.shut = () => {
      open = false;
    };
    this.opts.logger.info({ instanceId: leadership.instanceId }, 'leading: ingest started');
    this.emit(stack);
  }

  /** Gate shut at once; the stack closes after any start or close before it. */
  private stopStack(reason: string): void {
    const stack = this.stack;
    if (stack === undefined) return;
    this.shut?.();
    this.stack = undefined;
    this.shut = undefined;
    this.emit(undefined);
    const started = Date.now();
    this.chain = this.chain.then(async () => {
      try {
        await stack.close();
        this.opts.logger.info({ reason, closeMs: Date.now() - started }, 'ingest stopped');
      } catch (err) {
        this.opts.logger.error({ err, reason }, 'error while stopping ingest');
      }
    });
  }

  private emit(stack: IngestStack | undefined): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(stack);
      } catch (err) {
        this.opts.logger.error({ err }, 'ingest listener failed');
      }
    }
  }
}
