import type { Bus, BusHandler, BusMessage } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import { ChannelFanout, type FanoutSubscriber } from '../net/channel-fanout.js';
import type { SentByType, StreamType as SentType } from '../net/stream-type.js';
import type { LatencySampler } from './latency-sampler.js';

/** What fan-out needs from a connection. */
export type FanoutClient = FanoutSubscriber;

/** Called when a topic gains its first or loses its last local interest. */
export type DemandListener = (topic: string, demanded: boolean) => void;

export interface FanoutCounters {
  busMessages: number;
  /** Frame batches built: one per topic per flush with ≥1 client, however many clients and messages. */
  batchesFramed: number;
  /** Messages delivered to clients (messages × clients). */
  deliveries: number;
  /** Socket writes: one per client per topic per flush (corked together per client). */
  socketWrites: number;
}

export interface TopicFanoutOptions<C extends FanoutClient> {
  readonly bus: Bus;
  readonly logger: Logger;
  /** A client whose socket holds more than this many unsent bytes at a flush is handed to `onSlow`. */
  readonly maxBufferedBytes: number;
  /** Must stop the client receiving: remove it from every topic (e.g. via `removeAll`). */
  readonly onSlow: (client: C) => void;
  /** Bounded write delay to coalesce messages across turns (ms, 0 = flush after each turn). */
  readonly flushDelayMs?: number;
  /** Samples the latency of bus messages (src/gateway/latency-sampler.ts). */
  readonly latency?: LatencySampler;
}

/** The `/metrics` type of a gateway stream (`book_change@…` counts as `book`). */
export function sentTypeOf(topic: string): SentType {
  const type = topic.slice(0, topic.indexOf('@'));
  switch (type) {
    case 'trade':
    case 'book':
    case 'ticker':
    case 'quote':
    case 'bar':
    case 'status':
      return type;
    case 'book_change':
      return 'book';
    default:
      return 'other';
  }
}

class TopicEntry {
  clients = 0;
  readonly watchers: BusHandler[] = [];
  unsubscribe: () => void = noop;
  handler: BusHandler = noop;
  constructor(readonly topic: string) {}
}

/**
 * Demand-driven fan-out of bus topics: a topic is subscribed on the bus while it has a client
 * or an internal watcher; each bus message is queued once on the topic's channel, which frames
 * a flush's messages once for every client (see {@link ChannelFanout}).
 */
export class TopicFanout<C extends FanoutClient> {
  private readonly bus: Bus;
  private readonly log: Logger;
  private readonly topics = new Map<string, TopicEntry>();
  private readonly channels: ChannelFanout<C>;
  private readonly listeners: DemandListener[] = [];
  private readonly latency: LatencySampler | undefined;
  private busMessages = 0;

  constructor(opts: TopicFanoutOptions<C>) {
    this.bus = opts.bus;
    this.log = opts.logger;
    const latency = opts.latency;
    this.latency = latency;
    this.channels = new ChannelFanout<C>({
      maxBufferedBytes: opts.maxBufferedBytes,
      onSlow: opts.onSlow,
      flushDelayMs: opts.flushDelayMs,
      streamType: sentTypeOf,
      onFlushed: latency === undefined ? undefined : () => latency.onFlushed(),
    });
  }

  /** Messages and bytes written to clients by stream type (only grows). */
  get sent(): SentByType {
    return this.channels.sent;
  }

  /** Topics with at least one client (watchers alone not counted). */
  clientTopics(): string[] {
    const out: string[] = [];
    for (const entry of this.topics.values()) if (entry.clients > 0) out.push(entry.topic);
    return out;
  }

  get counters(): FanoutCounters {
    const c = this.channels.counters;
    return {
      busMessages: this.busMessages,
      batchesFramed: c.batchesFramed,
      deliveries: c.deliveries,
      socketWrites: c.socketWrites,
    };
  }

  /** The caller keeps (topic, client) pairs unique. */
  add(topic: string, client: C): void {
    this.acquire(topic).clients++;
    this.channels.subscribe(client, topic, true);
  }

  remove(topic: string, client: C): void {
    const entry = this.topics.get(topic);
    if (entry === undefined || !this.channels.unsubscribe(client, topic)) return;
    entry.clients--;
    this.releaseIfIdle(entry);
  }

  /** Listen to a topic without a client (e.g. the price cache); counts as demand. */
  watch(topic: string, handler: BusHandler): () => void {
    const entry = this.acquire(topic);
    entry.watchers.push(handler);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const i = entry.watchers.indexOf(handler);
      if (i !== -1) entry.watchers.splice(i, 1);
      this.releaseIfIdle(entry);
    };
  }

  /** Send one client a message of `topic` now (its cached latest value), ahead of anything queued. */
  sendNow(client: C, topic: string, json: string): void {
    this.channels.send(client, '{"stream":' + JSON.stringify(topic) + ',"data":' + json + '}', false, topic);
  }

  demandedTopics(): string[] {
    return Array.from(this.topics.keys());
  }

  get size(): number {
    return this.topics.size;
  }

  onDemandChange(listener: DemandListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i !== -1) this.listeners.splice(i, 1);
    };
  }

  /** Unsubscribe every topic from the bus (without demand events); nothing queued is sent. */
  close(): void {
    for (const entry of this.topics.values()) entry.unsubscribe();
    this.topics.clear();
    this.channels.close();
  }

  private acquire(topic: string): TopicEntry {
    const existing = this.topics.get(topic);
    if (existing !== undefined) return existing;
    const entry = new TopicEntry(topic);
    entry.handler = (msg: BusMessage): void => this.dispatch(entry, msg);
    this.topics.set(topic, entry);
    entry.unsubscribe = this.bus.subscribe(topic, entry.handler);
    this.emit(topic, true);
    return entry;
  }

  private releaseIfIdle(entry: TopicEntry): void {
    if (entry.clients > 0 || entry.watchers.length > 0) return;
    if (this.topics.get(entry.topic) !== entry) return;
    this.topics.delete(entry.topic);
    entry.unsubscribe();
    this.emit(entry.topic, false);
  }

  /** The hot path: the message's JSON becomes one Buffer, queued once on its channel. */
  private dispatch(entry: TopicEntry, msg: BusMessage): void {
    this.busMessages++;
    const watchers = entry.watchers;
    for (let i = 0; i < watchers.length; i++) {
      try {
        watchers[i](msg);
      } catch (err) {
        this.log.error({ err, topic: entry.topic }, 'topic watcher threw');
      }
    }
    this.latency?.onBusMessage(msg.data, entry.clients > 0);
    if (entry.clients > 0) this.channels.publish(entry.topic, Buffer.from(msg.json));
  }

  private emit(topic: string, demanded: boolean): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](topic, demanded);
      } catch (err) {
        this.log.error({ err, topic }, 'demand listener threw');
      }
    }
  }
}

function noop(): void {}
