import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { WriteBatcher } from '../net/write-batcher.js';
import type { Bus, BusHandler, BusMessage } from '../bus/bus.js';
import type { Logger } from '../core/logger.js';

/** What fan-out needs from a connection. */
export interface FanoutClient {
  readonly ws: WebSocket;
  /** The upgraded TCP socket under `ws`, corked while a burst of frames is written. */
  readonly socket: Duplex;
}

/** Called when a topic gains its first or loses its last local interest. */
export type DemandListener = (topic: string, demanded: boolean) => void;

export interface FanoutCounters {
  busMessages: number;
  /** One per bus message on a topic with ≥1 client, however many clients. */
  framesBuilt: number;
  framesSent: number;
}

export interface TopicFanoutOptions<C extends FanoutClient> {
  readonly bus: Bus;
  readonly logger: Logger;
  /** A client whose `ws.bufferedAmount` is above this is handed to `onSlow` instead of sent to. */
  readonly maxBufferedBytes: number;
  /** Must stop the client receiving: remove it from every topic (e.g. via `removeAll`). */
  readonly onSlow: (client: C) => void;
}

const SEND_TEXT = Object.freeze({ binary: false });

class TopicEntry<C extends FanoutClient> {
  /** `{"stream":"<topic>","data":` — a frame is this + the message JSON + `}`. */
  readonly prefix: string;
  readonly clients: C[] = [];
  readonly watchers: BusHandler[] = [];
  unsubscribe: () => void = noop;
  handler: BusHandler = noop;
  constructor(readonly topic: string) {
    this.prefix = '{"stream":' + JSON.stringify(topic) + ',"data":';
  }
}

/**
 * Demand-driven fan-out of bus topics: a topic is subscribed on the bus while it has a client
 * or an internal watcher, and each bus message becomes one Buffer sent to every client.
 */
export class TopicFanout<C extends FanoutClient> {
  readonly counters: FanoutCounters = { busMessages: 0, framesBuilt: 0, framesSent: 0 };
  private readonly bus: Bus;
  private readonly log: Logger;
  private readonly maxBufferedBytes: number;
  private readonly onSlow: (client: C) => void;
  private readonly topics = new Map<string, TopicEntry<C>>();
  private readonly batcher = new WriteBatcher();
  private readonly listeners: DemandListener[] = [];

  constructor(opts: TopicFanoutOptions<C>) {
    this.bus = opts.bus;
    this.log = opts.logger;
    this.maxBufferedBytes = opts.maxBufferedBytes;
    this.onSlow = opts.onSlow;
  }

  add(topic: string, client: C): void {
    this.acquire(topic).clients.push(client);
  }

  remove(topic: string, client: C): void {
    const entry = this.topics.get(topic);
    if (entry === undefined) return;
    const list = entry.clients;
    const i = list.indexOf(client);
    if (i === -1) return;
    // Swap-remove: safe during dispatch, which walks the list backwards.
    list[i] = list[list.length - 1];
    list.pop();
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

  /** The data frame of an arbitrary message of `topic` (e.g. its cached latest value). */
  frame(topic: string, json: string): Buffer {
    const entry = this.topics.get(topic);
    const prefix = entry === undefined ? '{"stream":' + JSON.stringify(topic) + ',"data":' : entry.prefix;
    return Buffer.from(prefix + json + '}');
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

  /** Unsubscribe every topic from the bus (without demand events). */
  close(): void {
    for (const entry of this.topics.values()) entry.unsubscribe();
    this.topics.clear();
  }

  private acquire(topic: string): TopicEntry<C> {
    const existing = this.topics.get(topic);
    if (existing !== undefined) return existing;
    const entry = new TopicEntry<C>(topic);
    entry.handler = (msg: BusMessage): void => this.dispatch(entry, msg);
    this.topics.set(topic, entry);
    entry.unsubscribe = this.bus.subscribe(topic, entry.handler);
    this.emit(topic, true);
    return entry;
  }

  private releaseIfIdle(entry: TopicEntry<C>): void {
    if (entry.clients.length > 0 || entry.watchers.length > 0) return;
    if (this.topics.get(entry.topic) !== entry) return;
    this.topics.delete(entry.topic);
    entry.unsubscribe();
    this.emit(entry.topic, false);
  }

  /** The hot path: one frame per bus message, the same Buffer for every client. */
  private dispatch(entry: TopicEntry<C>, msg: BusMessage): void {
    this.counters.busMessages++;
    const watchers = entry.watchers;
    for (let i = 0; i < watchers.length; i++) {
      try {
        watchers[i](msg);
      } catch (err) {
        this.log.error({ err, topic: entry.topic }, 'topic watcher threw');
      }
    }
    const clients = entry.clients;
    if (clients.length === 0) return;
    const frame = Buffer.from(entry.prefix + msg.json + '}');
    this.counters.framesBuilt++;
    const maxBuffered = this.maxBufferedBytes;
    const batcher = this.batcher;
    // Backwards, so a client removed here (swap-remove) never makes us skip an unvisited one.
    for (let i = clients.length - 1; i >= 0; i--) {
      const c = clients[i];
      const socket = c.socket;
      // A held socket may still hold up to `flushBytes` of this turn's frames on top of its backlog.
      const limit = batcher.isHeld(socket) ? maxBuffered + batcher.flushBytes : maxBuffered;
      if (c.ws.bufferedAmount > limit) {
        this.onSlow(c);
        continue;
      }
      batcher.hold(socket);
      c.ws.send(frame, SEND_TEXT);
      this.counters.framesSent++;
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

function noop(): void {}
