/**
 * Ingest under leadership: two instances (each its own bus, elector and ingest) on one real
 * redis-server, ingesting from one real replay hub. Only the leader's bus is ever published to;
 * the moment an instance steps down its ingest stops publishing, and closes; the other takes over.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PublishOptions, StreamPosition } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { configSchema } from '../config/schema.js';
import { silentLogger } from '../core/logger.js';
import type { NormalizedMessage } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { RedisLeaderElection } from '../scale/leader-election.js';
import { loneLeader } from '../scale/leadership.js';
import { redisAvailable, startRedisServer, type RedisProcess } from '../test-support/redis.js';
import { until } from '../test-support/until.js';
import { startIngest, type IngestStack } from './ingest-stack.js';
import { gatedBus, LeaderIngest } from './leader-ingest.js';
import { startReplay, type ReplayStack } from './replay-stack.js';

const SYMBOL = 'BTC/USDT';
const LEASE_MS = 1500;

/** A memory bus that notes when each publish happened. */
class CountingBus extends MemoryBus {
  readonly publishedAt: number[] = [];
  override publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition {
    this.publishedAt.push(Date.now());
    return super.publish(topic, data, opts);
  }
}

interface Instance {
  readonly name: string;
  readonly bus: CountingBus;
  readonly election: RedisLeaderElection;
  readonly ingest: LeaderIngest;
  /** Leadership changes, with their times. */
  readonly changes: { leads: boolean; at: number }[];
  readonly stacks: (IngestStack | undefined)[];
}

describe.skipIf(!redisAvailable())('ingest only while leading', () => {
  let root: string;
  let replay: ReplayStack;
  let redis: RedisProcess;
  let key = 0;
  const instances: Instance[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tickstream-leader-ingest-'));
    await venueFor('binance').generate({
      root,
      seed: 'leader',
      startMs: Date.UTC(2026, 0, 5, 14, 30),
      minutes: 2,
      symbols: [SYMBOL],
    });
    replay = await startReplay({
      root,
      exchanges: ['binance'],
      speed: 5,
      loop: true,
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
    });
    redis = await startRedisServer();
  }, 60_000);

  afterEach(async () => {
    for (const i of instances.splice(0)) {
      await i.election.stop();
      await i.ingest.close();
      await i.bus.close();
    }
  });

  afterAll(async () => {
    await replay?.close();
    await redis?.stop();
    await rm(root, { recursive: true, force: true });
  });

  function instance(name: string, leaderKey: string): Instance {
    const bus = new CountingBus();
    const election = new RedisLeaderElection({ url: redis.url, key: leaderKey, leaseMs: LEASE_MS });
    const ingest = new LeaderIngest({
      leadership: election,
      bus,
      logger: silentLogger(),
      start: (ingestBus) =>
        startIngest({
          bus: ingestBus,
          symbols: new Map([['binance', [SYMBOL]]]),
          upstream: `http://127.0.0.1:${replay.port}`,
          bookDepth: 10,
          logger: silentLogger(),
          config: configSchema.parse({}),
        }),
    });
    const i: Instance = { name, bus, election, ingest, changes: [], stacks: [] };
    election.onChange((leads) => i.changes.push({ leads, at: Date.now() }));
    ingest.onIngest((s) => i.stacks.push(s));
    ingest.follow();
    instances.push(i);
    return i;
  }

  /** Publishes to `i`'s bus after `from` (and before `to`). */
  const published = (i: Instance, from: number, to = Infinity): number =>
    i.bus.publishedAt.filter((t) => t > from && t <= to).length;

  /** Every publish on `i`'s bus fell inside one of its terms as leader. */
  function onlyWhileLeading(i: Instance): void {
    const terms: [number, number][] = [];
    for (const c of i.changes) {
      if (c.leads) terms.push([c.at, Infinity]);
      else terms[terms.length - 1][1] = c.at;
    }
    const outside = i.bus.publishedAt.filter((t) => !terms.some(([a, b]) => t >= a && t <= b));
    expect(outside).toEqual([]);
  }

  it('only the leader ingests; when it steps down the follower takes over and data flows again', async () => {
    const leaderKey = `test:li:${++key}`;
    const a = instance('a', leaderKey);
    await a.election.start();
    const b = instance('b', leaderKey);
    await b.election.start();
    expect(a.election.isLeader()).toBe(true);
    expect(a.ingest.current()).toBeDefined();
    expect(b.ingest.current()).toBeUndefined();
    await until(() => a.bus.publishedAt.length > 20, 15_000, 'the leader to ingest');
    expect(b.bus.publishedAt).toEqual([]);

    const handover = Date.now();
    await a.election.stop();
    // The gate shut with the step-down; ingest closes in the background.
    expect(a.ingest.current()).toBeUndefined();
    expect(a.stacks.at(-1)).toBeUndefined();
    await until(() => b.ingest.current() !== undefined, LEASE_MS, 'the follower to start ingest');
    await until(() => published(b, handover) > 20, 15_000, 'the new leader to ingest');
    expect(published(a, a.changes.at(-1)?.at ?? handover)).toBe(0);
    onlyWhileLeading(a);
    onlyWhileLeading(b);
  }, 40_000);

  it('Redis killed: the leader stops ingesting at once; after the restart one instance ingests again', async () => {
    const leaderKey = `test:li:${++key}`;
    const a = instance('a', leaderKey);
    const b = instance('b', leaderKey);
    await Promise.all([a.election.start(), b.election.start()]);
    const [leader] = [a, b].filter((i) => i.election.isLeader());
    expect(leader).toBeDefined();
    await until(() => leader.bus.publishedAt.length > 20, 15_000, 'the leader to ingest');

    await redis.kill();
    await until(
      () => a.ingest.current() === undefined && b.ingest.current() === undefined,
      LEASE_MS,
      'ingest to stop on both',
    );
    const stoppedAt = leader.changes.at(-1)?.at ?? 0;
    expect(leader.changes.at(-1)?.leads).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(published(a, stoppedAt) + published(b, stoppedAt)).toBe(0);

    await redis.restart();
    await until(
      () => [a, b].filter((i) => i.ingest.current() !== undefined).length === 1,
      10_000,
      'one instance to ingest after the restart',
    );
    const [next] = [a, b].filter((i) => i.ingest.current() !== undefined);
    const restartedAt = Date.now();
    await until(() => published(next, restartedAt) > 20, 15_000, 'data to flow again');
    expect([a, b].filter((i) => i.election.isLeader())).toEqual([next]);
    onlyWhileLeading(a);
    onlyWhileLeading(b);
  }, 40_000);

  it('a lone leader starts ingest in follow(), and a failing start is thrown there', () => {
    const bus = new MemoryBus();
    const failing = new LeaderIngest({
      leadership: loneLeader('solo'),
      bus,
      logger: silentLogger(),
      start: () => {
        throw new Error('venue refused the key');
      },
    });
    expect(() => failing.follow()).toThrow('venue refused the key');
    expect(failing.current()).toBeUndefined();
  });

  it('the gated bus publishes only while open, and closing it leaves the real bus open', async () => {
    const bus = new MemoryBus();
    let open = true;
    const gated = gatedBus(bus, () => open);
    const seen: string[] = [];
    bus.subscribe(`trade@${SYMBOL}`, (m) => seen.push(m.json));
    const trade: NormalizedMessage = {
      type: 'trade',
      exchange: 'binance',
      symbol: SYMBOL,
      timestamp: 1,
      localTimestamp: 1,
      id: 't1',
      price: 1,
      amount: 1,
      side: 'buy',
    };
    expect(gated.publish(`trade@${SYMBOL}`, trade).offset).toBeGreaterThan(0);
    open = false;
    expect(gated.publish(`trade@${SYMBOL}`, { ...trade, id: 't2' })).toEqual({ offset: 0, epoch: '' });
    expect(seen).toHaveLength(1);
    await gated.close();
    expect(bus.publish(`trade@${SYMBOL}`, { ...trade, id: 't3' }).offset).toBeGreaterThan(0);
    expect(seen).toHaveLength(2);
    await bus.close();
  });
});
