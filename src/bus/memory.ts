import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import type { NormalizedMessage } from '../core/types.js';
import type {
  Bus,
  BusHandler,
  BusMessage,
  BusStatus,
  HistoryResult,
  PublishOptions,
  StreamPosition,
} from './bus.js';
import { LatestMirror } from './latest-mirror.js';

export type { HistoryResult } from './bus.js';

export interface MemoryBusOptions {
  /** Messages kept per topic for `history()`; 0 keeps none. Default 1000. */
  readonly historySize?: number;
  /** Clock for latest-value TTLs, ms. Default `Date.now`. */
  readonly now?: () => number;
  /** Epoch of every topic of this bus. Default: a random id per instance. */
  readonly epoch?: string;
  /** Where handler errors are reported (sparingly: the 1st, 2nd, 4th, 8th… of each run). */
  readonly logger?: Logger;
}

export interface MemoryBusStats {
  readonly published: number;
  readonly delivered: number;
  readonly handlerErrors: number;
  /** Topics with a local subscriber. */
  readonly topics: number;
  /** Topics the bus holds state for (offsets, history). */
  readonly knownTopics: number;
}

/** Per-topic state. Every field is assigned in the constructor so all topics share one shape. */
class TopicState {
  offset = 0;
  /** Replaced, never mutated, so a publish that is iterating keeps a consistent list. */
  handlers: BusHandler[] = [];
  /**
   * Each kept message's JSON, indexed by `offset % ring.length`; allocated on first publish. Only
   * the text is held: the published object graph (a 20-level book is several times its JSON) is
   * not kept for the ring's sake, and topic and position follow from where a message sits.
   */
  ring: (string | undefined)[] | null = null;
}

/** A message read back from the ring: `data` is parsed from its JSON only if the reader asks. */
class KeptMessage implements BusMessage {
  private parsed: NormalizedMessage | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly json: string,
    readonly position: StreamPosition,
  ) {}

  get data(): NormalizedMessage {
    this.parsed ??= JSON.parse(this.json) as NormalizedMessage;
    return this.parsed;
  }
}

const EMPTY: readonly BusMessage[] = Object.freeze([]);
const MEMORY_STATUS: BusStatus = Object.freeze({ kind: 'memory', state: 'healthy' });

/**
 * The embedded bus: synchronous fan-out inside one process. Each topic has a rising offset
 * (first message = 1) and the bus has one epoch; the last `historySize` messages of each topic
 * are kept in a ring for recovery.
 */
export class MemoryBus implements Bus {
  readonly epoch: string;
  private readonly historySize: number;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly topics = new Map<string, TopicState>();
  private readonly latest: LatestMirror;
  private closed = false;
  private published = 0;
  private delivered = 0;
  private handlerErrors = 0;
  /** The last message serialized: the same object published on two topics is stringified once. */
  private lastData: NormalizedMessage | undefined = undefined;
  private lastJson = '';

  constructor(opts: MemoryBusOptions = {}) {
    const size = opts.historySize ?? 1000;
    if (!Number.isInteger(size) || size < 0) {
      throw new RangeError(`historySize must be a non-negative integer, got ${String(size)}`);
    }
    this.historySize = size;
    this.now = opts.now ?? Date.now;
    this.epoch = opts.epoch ?? randomUUID().slice(0, 8);
    this.logger = opts.logger;
    this.latest = new LatestMirror(this.now);
  }

  publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition {
    if (this.closed) return { offset: 0, epoch: this.epoch };
    let state = this.topics.get(topic);
    if (state === undefined) {
      state = new TopicState();
      this.topics.set(topic, state);
    }
    const offset = ++state.offset;
    const position: StreamPosition = { offset, epoch: this.epoch };
    if (data !== this.lastData) {
      this.lastJson = JSON.stringify(data);
      this.lastData = data;
    }
    const message: BusMessage = { topic, data, json: this.lastJson, position };
    this.published++;

    if (this.historySize > 0) {
      if (state.ring === null) state.ring = new Array<string | undefined>(this.historySize);
      state.ring[offset % this.historySize] = this.lastJson;
    }
    if (opts !== undefined && opts.latestTtlMs !== undefined) this.setLatest(message, opts.latestTtlMs);

    const handlers = state.handlers;
    for (let i = 0; i < handlers.length; i++) {
      try {
        handlers[i](message);
        this.delivered++;
      } catch (err) {
        this.onHandlerError(topic, err);
      }
    }
    return position;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    if (this.closed) return noop;
    let state = this.topics.get(topic);
    if (state === undefined) {
      state = new TopicState();
      this.topics.set(topic, state);
    }
    state.handlers = state.handlers.concat(handler);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.topics.get(topic);
      if (current === undefined) return;
      const i = current.handlers.indexOf(handler);
      if (i === -1) return;
      const next = current.handlers.slice();
      next.splice(i, 1);
      current.handlers = next;
      // A topic nobody listens to and nothing was published on leaves no trace.
      if (next.length === 0 && current.offset === 0) this.topics.delete(topic);
    };
  }

  activeTopics(): string[] {
    const out: string[] = [];
    for (const [topic, state] of this.topics) if (state.handlers.length > 0) out.push(topic);
    return out;
  }

  getLatest(topic: string): BusMessage | undefined {
    return this.latest.get(topic);
  }

  setLatest(message: BusMessage, ttlMs: number): void {
    if (this.closed) return;
    if (!(ttlMs > 0)) {
      this.latest.delete(message.topic);
      return;
    }
    this.latest.set(message, ttlMs);
  }

  history(topic: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
    return Promise.resolve(this.read(topic, since.offset, limit, since.epoch));
  }

  status(): BusStatus {
    return MEMORY_STATUS;
  }

  /**
   * Messages of `topic` with offset greater than `sinceOffset`, oldest first, at most `limit`.
   * `recovered` is false when some of them are gone (evicted from the ring, or `epoch` differs).
   */
  read(topic: string, sinceOffset: number, limit: number, epoch?: string): HistoryResult {
    const state = this.topics.get(topic);
    const top = state === undefined ? 0 : state.offset;
    const position: StreamPosition = { offset: top, epoch: this.epoch };
    if (epoch !== undefined && epoch !== this.epoch) return { messages: EMPTY, position, recovered: false };
    if (sinceOffset >= top || limit <= 0) return { messages: EMPTY, position, recovered: sinceOffset <= top };
    const ring = state === undefined ? null : state.ring;
    const oldest = ring === null ? top + 1 : Math.max(1, top - this.historySize + 1);
    const recovered = sinceOffset + 1 >= oldest;
    const from = Math.max(sinceOffset + 1, oldest);
    const to = Math.min(top, from + limit - 1);
    const messages: BusMessage[] = [];
    if (ring !== null) {
      for (let off = from; off <= to; off++) {
        const json = ring[off % this.historySize];
        if (json !== undefined)
          messages.push(new KeptMessage(topic, json, { offset: off, epoch: this.epoch }));
      }
    }
    return { messages, position, recovered };
  }

  /** The topic's current position (offset 0 before the first publish). */
  position(topic: string): StreamPosition {
    const state = this.topics.get(topic);
    return { offset: state === undefined ? 0 : state.offset, epoch: this.epoch };
  }

  stats(): MemoryBusStats {
    return {
      published: this.published,
      delivered: this.delivered,
      handlerErrors: this.handlerErrors,
      topics: this.activeTopics().length,
      knownTopics: this.topics.size,
    };
  }

  close(): Promise<void> {
    this.closed = true;
    this.topics.clear();
    this.latest.clear();
    return Promise.resolve();
  }

  private onHandlerError(topic: string, err: unknown): void {
    const n = ++this.handlerErrors;
    // Log the 1st, 2nd, 4th, 8th… error: visible, but a handler that always throws cannot flood the log.
    if (this.logger !== undefined && (n & (n - 1)) === 0) {
      this.logger.error({ err, topic, handlerErrors: n }, 'bus handler threw; other handlers still ran');
    }
  }
}

function noop(): void {}
