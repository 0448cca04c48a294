import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
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
import { priceRecord, RedisNames, type RedisNameOptions } from './redis-names.js';
import { ENSURE_EPOCH, PUBLISH_BATCH, READ_HISTORY } from './redis-scripts.js';
import { decodeBatch, decodeLatest, encodeLatest, offsetOfEntryId, ReceivedMessage } from './redis-wire.js';
import { LatestMirror } from './latest-mirror.js';
import { PRICE_TTL_MS } from './price-topic.js';

export interface RedisBusOptions extends RedisNameOptions {
  /** `redis://host:port[/db]` or `rediss://…`. */
  readonly url: string;
  /** Messages kept per topic in its Redis Stream for recovery (0: none). Default 1000. */
  readonly historySize?: number;
  readonly logger?: Logger;
  /** How often the round trip is measured, ms. Default 5000. */
  readonly pingIntervalMs?: number;
  /** A topic's batch is sent at once when it holds this many messages. Default 1000. */
  readonly maxBatchMessages?: number;
}

export interface RedisBusStats {
  /** Messages handed to `publish`. */
  readonly published: number;
  /** Script calls that carried them: one per topic per event-loop turn (or per full batch). */
  readonly publishCalls: number;
  /** Messages received from Redis and handed to local handlers. */
  readonly received: number;
  /** Messages not delivered to Redis (it was unreachable or refused the script). */
  readonly dropped: number;
  readonly reconnects: number;
  readonly handlerErrors: number;
}

/** Unanswered publish scripts at most (each up to `maxBatchMessages` messages). */
const MAX_IN_FLIGHT = 64;

interface ScriptCommands {
  tsPublish(...args: (string | number)[]): Promise<[string, number]>;
  tsHistory(...args: (string | number)[]): Promise<[string, number, string, [string, string[]][]]>;
  tsEpoch(key: string, candidate: string): Promise<string>;
}

/** One topic's messages of the current turn, sent as one script call and one PUBLISH. */
class PendingBatch {
  readonly jsons: string[] = [];
  latestIndex = 0;
  latestTtlMs = 0;
  priceJson = '';
  priceSymbol = '';
  /** The offset this instance predicted for the batch's last message. */
  predictedLast = 0;
}

/**
 * The bus across instances. Fan-out is Redis pub/sub: each topic is a channel, subscribed only
 * while a local handler wants it, and each turn's messages of a topic travel in ONE PUBLISH made
 * by a Lua script that also gives them their offsets (one counter per topic, in Redis, so the
 * next leader continues where the last one stopped), appends them to the topic's Redis Stream
 * for recovery and sets its latest value — atomically. Local handlers receive through Redis as
 * every other instance does, so every instance sees the same messages with the same positions.
 *
 * `publish()` is synchronous and returns the position this instance predicts (its own counter
 * per topic); the script's answer corrects the counter when another instance published in
 * between, and the positions that travel with the messages are always Redis's.
 *
 * `getLatest()` is synchronous: a local mirror of latest values, filled by this instance's
 * publishes, by messages received, and — when a topic is first subscribed — by one read of its
 * key, so a follower serves a latest value it never saw published.
 *
 * While Redis is unreachable, publishes are counted as dropped (no queue grows), `status()` is
 * `degraded`, and ioredis reconnects by itself; every active channel is subscribed again.
 */
export class RedisBus implements Bus {
  private readonly names: RedisNames;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly historySize: number;
  private readonly maxBatch: number;
  private readonly log: Logger | undefined;
  private readonly handlers = new Map<string, BusHandler[]>();
  private readonly predicted = new Map<string, number>();
  private readonly pending = new Map<string, PendingBatch>();
  private readonly mirror = new LatestMirror();
  private readonly pingTimer: NodeJS.Timeout;
  private epoch = newEpoch();
  /** Whether `epoch` was read from Redis (until then it is this instance's guess). */
  private epochKnown = false;
  private flushScheduled = false;
  private inFlight = 0;
  private closed = false;
  private lastError: string | undefined = undefined;
  private roundTripMs: number | undefined = undefined;
  private lastData: NormalizedMessage | undefined = undefined;
  private lastJson = '';
  private counters = {
    published: 0,
    publishCalls: 0,
    received: 0,
    dropped: 0,
    reconnects: 0,
    handlerErrors: 0,
  };

  constructor(opts: RedisBusOptions) {
    this.names = new RedisNames(opts);
    this.historySize = opts.historySize ?? 1000;
    this.maxBatch = opts.maxBatchMessages ?? 1000;
    this.log = opts.logger;
    const base: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      autoResubscribe: false,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    };
    this.cmd = new Redis(opts.url, { ...base, enableAutoPipelining: true, connectionName: 'tickstream-bus' });
    this.sub = new Redis(opts.url, { ...base, connectionName: 'tickstream-bus-sub' });
    this.cmd.defineCommand('tsPublish', { numberOfKeys: 5, lua: PUBLISH_BATCH });
    this.cmd.defineCommand('tsHistory', { numberOfKeys: 3, lua: READ_HISTORY });
    this.cmd.defineCommand('tsEpoch', { numberOfKeys: 1, lua: ENSURE_EPOCH });
    for (const conn of [this.cmd, this.sub]) {
      conn.on('error', (err: Error) => this.onConnectionError(err));
      conn.on('reconnecting', () => {
        if (!this.closed) this.counters.reconnects++;
      });
    }
    this.cmd.on('ready', () => this.onCommandReady());
    this.sub.on('ready', () => this.onSubscriberReady());
    this.sub.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    this.pingTimer = setInterval(() => this.ping(), opts.pingIntervalMs ?? 5000);
    this.pingTimer.unref();
  }

  /** Resolves once both connections are up (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.cmd.status !== 'ready' || this.sub.status !== 'ready' || !this.epochKnown) {
      if (this.closed) throw new Error('the Redis bus was closed before it connected');
      if (Date.now() > deadline) {
        throw new Error(
          `Redis did not answer within ${timeoutMs} ms (${this.lastError ?? 'no reply'}); check --bus and that redis-server runs`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition {
    const offset = (this.predicted.get(topic) ?? 0) + 1;
    const position: StreamPosition = { offset, epoch: this.epoch };
    if (this.closed) return position;
    this.predicted.set(topic, offset);
    if (data !== this.lastData) {
      this.lastJson = JSON.stringify(data);
      this.lastData = data;
    }
    const json = this.lastJson;
    this.counters.published++;
    let batch = this.pending.get(topic);
    if (batch === undefined) {
      batch = new PendingBatch();
      this.pending.set(topic, batch);
    }
    batch.jsons.push(json);
    batch.predictedLast = offset;
    const ttl = opts?.latestTtlMs;
    if (ttl !== undefined && ttl > 0) {
      batch.latestIndex = batch.jsons.length;
      batch.latestTtlMs = ttl;
      this.mirror.set({ topic, data, json, position }, ttl);
    }
    const symbol = this.names.priceSymbolOf(topic);
    if (symbol !== undefined) {
      const record = priceRecord(data);
      if (record !== undefined) {
        batch.priceJson = JSON.stringify(record);
        batch.priceSymbol = symbol;
      }
    }
    if (batch.jsons.length >= this.maxBatch) {
      this.pending.delete(topic);
      this.send(topic, batch);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return position;
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    if (this.closed) return noop;
    const list = this.handlers.get(topic);
    if (list === undefined) {
      this.handlers.set(topic, [handler]);
      this.listen(topic);
    } else {
      this.handlers.set(topic, list.concat(handler));
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const current = this.handlers.get(topic);
      if (current === undefined) return;
      const i = current.indexOf(handler);
      if (i === -1) return;
      const next = current.slice();
      next.splice(i, 1);
      if (next.length > 0) {
        this.handlers.set(topic, next);
        return;
      }
      this.handlers.delete(topic);
      if (!this.closed && this.sub.status === 'ready') {
        this.sub.unsubscribe(this.names.channel(topic)).catch((err: unknown) => this.onConnectionError(err));
      }
    };
  }

  activeTopics(): string[] {
    return Array.from(this.handlers.keys());
  }

  getLatest(topic: string): BusMessage | undefined {
    return this.mirror.get(topic);
  }

  setLatest(message: BusMessage, ttlMs: number): void {
    if (this.closed) return;
    if (!(ttlMs > 0)) {
      this.mirror.delete(message.topic);
      this.command(() => this.cmd.del(this.names.latest(message.topic)));
      return;
    }
    this.mirror.set(message, ttlMs);
    this.command(() => this.cmd.set(this.names.latest(message.topic), encodeLatest(message), 'PX', ttlMs));
  }

  async history(topic: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
    const n = this.names;
    const [epoch, topRaw, oldestId, entries] = await this.scripts().tsHistory(
      n.offsets(topic),
      n.history(topic),
      n.epoch,
      since.offset + 1,
      Math.max(1, Math.floor(limit)),
    );
    const top = Number(topRaw);
    const position: StreamPosition = { offset: top, epoch };
    if (epoch !== since.epoch) return { messages: [], position, recovered: false };
    if (since.offset >= top || limit <= 0) return { messages: [], position, recovered: since.offset <= top };
    const oldest = oldestId === '' ? top + 1 : offsetOfEntryId(oldestId);
    const messages: BusMessage[] = [];
    for (const [id, fields] of entries) {
      const json = fields[1];
      if (json !== undefined)
        messages.push(new ReceivedMessage(topic, json, { offset: offsetOfEntryId(id), epoch }));
    }
    return { messages, position, recovered: since.offset + 1 >= oldest };
  }

  status(): BusStatus {
    const up = this.cmd.status === 'ready' && this.sub.status === 'ready';
    if (up) return { kind: 'redis', state: 'healthy', roundTripMs: this.roundTripMs };
    return {
      kind: 'redis',
      state: 'degraded',
      reason: this.closed ? 'closed' : `Redis unreachable: ${this.lastError ?? this.cmd.status}`,
      roundTripMs: this.roundTripMs,
    };
  }

  stats(): RedisBusStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.pingTimer);
    this.handlers.clear();
    this.mirror.clear();
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0) return;
    for (const [topic, batch] of this.pending) this.send(topic, batch);
    this.pending.clear();
  }

  private send(topic: string, batch: PendingBatch): void {
    const n = batch.jsons.length;
    // A Redis that answers slower than ingest publishes must not grow a queue here: past
    // MAX_IN_FLIGHT unanswered batches, a batch is dropped and counted like one sent while down.
    if (this.closed || this.cmd.status !== 'ready' || this.inFlight >= MAX_IN_FLIGHT) {
      this.counters.dropped += n;
      return;
    }
    this.counters.publishCalls++;
    this.inFlight++;
    const names = this.names;
    const priceKey = batch.priceSymbol === '' ? '' : names.priceKey(batch.priceSymbol);
    const priceChannel = batch.priceSymbol === '' ? '' : names.priceChannel(batch.priceSymbol);
    this.scripts()
      .tsPublish(
        names.offsets(topic),
        names.history(topic),
        names.epoch,
        names.latest(topic),
        priceKey === '' ? names.latest(topic) : priceKey,
        newEpoch(),
        names.channel(topic),
        this.historySize,
        batch.latestIndex,
        batch.latestTtlMs,
        batch.priceJson,
        priceChannel,
        PRICE_TTL_MS,
        ...batch.jsons,
      )
      .then(([epoch, first]) => {
        this.inFlight--;
        const last = Number(first) + n - 1;
        if (this.epochKnown && epoch !== this.epoch) {
          // Redis lost its data: every topic's offsets start again.
          this.predicted.clear();
          this.predicted.set(topic, last);
        } else if (last !== batch.predictedLast) {
          // Another instance published on this topic since this one last did: move its counter on.
          this.predicted.set(topic, (this.predicted.get(topic) ?? 0) + last - batch.predictedLast);
        }
        this.epoch = epoch;
        this.epochKnown = true;
      })
      .catch((err: unknown) => {
        this.inFlight--;
        this.counters.dropped += n;
        this.onConnectionError(err);
      });
  }

  private listen(topic: string): void {
    if (this.sub.status === 'ready') {
      this.sub.subscribe(this.names.channel(topic)).catch((err: unknown) => this.onConnectionError(err));
    }
    this.fetchLatest(topic);
  }

  /** A latest value this instance has not seen (a follower, a restart): read once from its key. */
  private fetchLatest(topic: string): void {
    if (this.cmd.status !== 'ready' || this.mirror.get(topic) !== undefined) return;
    const key = this.names.latest(topic);
    Promise.all([this.cmd.get(key), this.cmd.pttl(key)])
      .then(([stored, ttl]) => {
        if (stored === null || ttl <= 0 || this.closed) return;
        const message = decodeLatest(topic, stored);
        const known = this.mirror.get(topic);
        if (message === undefined) return;
        if (
          known !== undefined &&
          known.position.epoch === message.position.epoch &&
          known.position.offset >= message.position.offset
        ) {
          return;
        }
        this.mirror.set(message, ttl);
      })
      .catch((err: unknown) => this.onConnectionError(err));
  }

  private onMessage(channel: string, payload: string): void {
    const topic = this.names.topicOf(channel);
    if (topic === undefined) return;
    const batch = decodeBatch(payload);
    if (batch === undefined) {
      this.log?.warn({ channel }, 'ignoring a message on a bus channel that is not a bus batch');
      return;
    }
    const { jsons, epoch, firstOffset } = batch;
    for (let i = 0; i < jsons.length; i++) {
      const message = new ReceivedMessage(topic, jsons[i], { offset: firstOffset + i, epoch });
      if (batch.latestIndex === i + 1 && batch.latestTtlMs > 0) this.mirror.set(message, batch.latestTtlMs);
      const handlers = this.handlers.get(topic);
      if (handlers === undefined) continue;
      this.counters.received++;
      for (let h = 0; h < handlers.length; h++) {
        try {
          handlers[h](message);
        } catch (err) {
          this.onHandlerError(topic, err);
        }
      }
    }
  }

  private onCommandReady(): void {
    this.lastError = undefined;
    this.scripts()
      .tsEpoch(this.names.epoch, newEpoch())
      .then((epoch) => {
        if (this.epochKnown && epoch !== this.epoch) {
          // Redis lost its data (restarted empty): offsets start again under a new epoch.
          this.predicted.clear();
          this.log?.warn({ epoch, previous: this.epoch }, 'bus epoch changed: Redis history was lost');
        }
        this.epoch = epoch;
        this.epochKnown = true;
      })
      .catch((err: unknown) => this.onConnectionError(err));
    this.log?.info('Redis bus connected');
  }

  private onSubscriberReady(): void {
    const channels = Array.from(this.handlers.keys(), (t) => this.names.channel(t));
    if (channels.length > 0) {
      this.sub.subscribe(...channels).catch((err: unknown) => this.onConnectionError(err));
    }
    for (const topic of this.handlers.keys()) this.fetchLatest(topic);
  }

  private ping(): void {
    if (this.cmd.status !== 'ready') return;
    const started = performance.now();
    this.cmd
      .ping()
      .then(() => {
        this.roundTripMs = performance.now() - started;
      })
      .catch((err: unknown) => this.onConnectionError(err));
  }

  private command(run: () => Promise<unknown>): void {
    if (this.cmd.status !== 'ready') return;
    run().catch((err: unknown) => this.onConnectionError(err));
  }

  private scripts(): ScriptCommands {
    return this.cmd as unknown as ScriptCommands;
  }

  private onConnectionError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (message !== this.lastError) this.log?.warn({ err: message }, 'Redis bus error');
    this.lastError = message;
  }

  private onHandlerError(topic: string, err: unknown): void {
    const n = ++this.counters.handlerErrors;
    if (this.log !== undefined && (n & (n - 1)) === 0) {
      this.log.error({ err, topic, handlerErrors: n }, 'bus handler threw; other handlers still ran');
    }
  }
}

async function quit(conn: Redis): Promise<void> {
  try {
    if (conn.status === 'ready') await conn.quit();
    else conn.disconnect();
  } catch {
    conn.disconnect();
  }
}

function noop(): void {}

/** A fresh epoch candidate: used only when Redis holds none (first start, or it lost its data). */
function newEpoch(): string {
  return randomUUID().slice(0, 8);
}
