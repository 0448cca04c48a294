import type { Bus, BusHandler, BusMessage } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';
import { ChannelFanout, type FanoutSubscriber } from '../net/channel-fanout.js';
import type { SentByType, StreamType as SentType } from '../net/stream-type.js';
import { streamEnvelope } from '../net/ws-frame.js';
import { compactPayload } from './compact.js';
import type { LatencySampler } from './latency-sampler.js';
import { PositionTail } from './position-tail.js';

/** What fan-out needs from a connection. */
export type FanoutClient = FanoutSubscriber;

/**
 * How a client receives a topic: under the stream name it subscribed with (`depth@btc-usdt` for
 * the topic `book_change@BTC/USDT`) and in its connection's wire format.
 */
export interface TopicView {
  readonly name: string;
  readonly compact: boolean;
}

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

/**
 * The `/metrics` type of a fan-out channel, named as clients spell the stream (`book_change@…`
 * and its alias `depth@…` count as `book`).
 */
export function sentTypeOf(channel: string): SentType {
  const type = channel.slice(0, channel.indexOf('@')).toLowerCase();
  switch (type) {
    case 'trade':
    case 'book':
    case 'ticker':
    case 'quote':
    case 'bar':
    case 'status':
      return type;
    case 'book_change':
    case 'depth':
      return 'book';
    default:
      return 'other';
  }
}

/** The clients of one topic that share a name and format: one fan-out channel. */
class ViewEntry {
  clients = 0;
  constructor(
    readonly channel: string,
    readonly compact: boolean,
  ) {}
}

class TopicEntry {
  clients = 0;
  readonly views: ViewEntry[] = [];
  compactViews = 0;
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
  private readonly tail = new PositionTail();
  private busMessages = 0;

  constructor(opts: TopicFanoutOptions<C>) {
    this.bus = opts.bus;
    this.log = opts.logger;
    const latency = opts.latency;
    this.latency = latency;
    this.channels = new ChannelFanout<C>({
      envelope: (channel) => streamEnvelope(nameOfChannel(channel)),
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

  /** The caller keeps (view, client) pairs unique; a view's name always parses to `topic`. */
  add(topic: string, client: C, view: TopicView = { name: topic, compact: false }): void {
    const entry = this.acquire(topic);
    const channel = channelOf(view);
    let v = entry.views.find((x) => x.channel === channel);
    if (v === undefined) {
      v = new ViewEntry(channel, view.compact);
      entry.views.push(v);
      if (view.compact) entry.compactViews++;
    }
    v.clients++;
    entry.clients++;
    this.channels.subscribe(client, channel, true);
  }

  remove(topic: string, client: C, view: TopicView = { name: topic, compact: false }): void {
    const entry = this.topics.get(topic);
    const channel = channelOf(view);
    if (entry === undefined || !this.channels.unsubscribe(client, channel)) return;
    const i = entry.views.findIndex((x) => x.channel === channel);
    if (i !== -1 && --entry.views[i].clients === 0) {
      if (entry.views[i].compact) entry.compactViews--;
      entry.views.splice(i, 1);
    }
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

  /**
   * Send one client a message now (its cached latest value) under `view.name`, in its format and
   * with its position, ahead of anything queued.
   */
  sendNow(client: C, view: TopicView, message: BusMessage): boolean {
    const payload = view.compact ? compactPayload(message) : message.json;
    // Counted under the stream type of the view's channel.
    return this.channels.send(
      client,
      '{"stream":' + JSON.stringify(view.name) + ',"data":' + payload + this.tail.of(message.position) + '}',
      false,
      channelOf(view),
    );
  }

  /**
   * Send one client `messages` of a topic now (a recovery's catch-up), framed into one buffer
   * under `view`, ahead of anything queued; false when the client is over its budget or closed.
   */
  sendBatch(client: C, view: TopicView, messages: readonly BusMessage[]): boolean {
    if (messages.length === 0) return true;
    const payloads: Buffer[] = new Array<Buffer>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      payloads[i] = Buffer.from((view.compact ? compactPayload(m) : m.json) + this.tail.of(m.position));
    }
    return this.channels.sendFrames(client, payloads, streamEnvelope(view.name), channelOf(view));
  }

  /**
   * Write out what is queued on `topic` now, before a client joins it: a message queued before
   * it joined must not reach it after a catch-up or latest value that already covered it.
   */
  flushTopic(topic: string): void {
    const entry = this.topics.get(topic);
    if (entry !== undefined && entry.clients > 0) this.channels.flush();
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

  /**
   * The hot path: the message's JSON and its position (`,"offset":12,"epoch":"ab12cd34"`, closed
   * by the envelope's `}`) become one Buffer (and its compact JSON another, when a compact client
   * listens), queued on each of the topic's channels.
   */
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
    if (entry.clients === 0) return;
    const views = entry.views;
    const tail = this.tail.of(msg.position);
    const json = entry.compactViews < views.length ? Buffer.from(msg.json + tail) : undefined;
    const compact = entry.compactViews > 0 ? Buffer.from(compactPayload(msg) + tail) : undefined;
    for (let i = 0; i < views.length; i++) {
      this.channels.publish(views[i].channel, (views[i].compact ? compact : json) as Buffer);
    }
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

/** Compact channels are the view's name plus a NUL, which no stream name holds. */
const COMPACT_MARK = '\u0000';

function channelOf(view: TopicView): string {
  return view.compact ? view.name + COMPACT_MARK : view.name;
}

function nameOfChannel(channel: string): string {
  return channel.endsWith(COMPACT_MARK) ? channel.slice(0, -1) : channel;
}

function noop(): void {}
