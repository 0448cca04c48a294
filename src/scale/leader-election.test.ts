import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, startRedisServer, type RedisProcess } from '../test-support/redis.js';
import { newInstanceId, RedisLeaderElection } from './leader-election.js';

const LEASE_MS = 1500;
const RENEW_MS = 500;
const MARGIN_MS = 150;

/** Poll `cond` every 10 ms; fails after `timeoutMs`. */
async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!redisAvailable())('RedisLeaderElection', () => {
  let server: RedisProcess;
  let admin: Redis;
  let keyN = 0;
  let electors: RedisLeaderElection[] = [];
  /** Instances seen leading at once, sampled every 5 ms across the whole test. */
  let maxLeaders = 0;
  let sampler: NodeJS.Timeout | undefined;
  /** Per elector: [became, steppedDown] intervals from its onChange events. */
  let terms = new Map<string, [number, number][]>();

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    admin.on('error', () => undefined);
  });

  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  afterEach(async () => {
    clearInterval(sampler);
    await Promise.all(electors.map((e) => e.stop()));
    electors = [];
    // The property, throughout the test: never two leaders by sampling, nor overlapping terms.
    expect(maxLeaders).toBeLessThanOrEqual(1);
    const all = [...terms.values()].flat().sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < all.length; i++) expect(all[i][0]).toBeGreaterThanOrEqual(all[i - 1][1]);
  });

  function electors2(key: string, n = 2): RedisLeaderElection[] {
    terms = new Map();
    maxLeaders = 0;
    for (let i = 0; i < n; i++) {
      const e = new RedisLeaderElection({
        url: server.url,
        key,
        leaseMs: LEASE_MS,
        renewMs: RENEW_MS,
        safetyMarginMs: MARGIN_MS,
      });
      const mine: [number, number][] = [];
      terms.set(e.instanceId, mine);
      e.onChange((leads) => {
        if (leads) mine.push([Date.now(), Infinity]);
        else mine[mine.length - 1][1] = Date.now();
      });
      electors.push(e);
    }
    sampler = setInterval(() => {
      const n = electors.filter((e) => e.isLeader()).length;
      maxLeaders = Math.max(maxLeaders, n);
    }, 5);
    return [...electors];
  }

  const freshKey = (): string => `test:leader:${++keyN}`;
  const leaders = (): RedisLeaderElection[] => electors.filter((e) => e.isLeader());

  it('instance ids are host:pid:random and differ per elector', () => {
    const a = newInstanceId();
    const b = newInstanceId();
    expect(a).toMatch(new RegExp(`^.+:${process.pid}:[0-9a-f]{8}$`));
    expect(a).not.toBe(b);
  });

  it('refuses a lease too short for its renew period and margin, naming the minimum', () => {
    expect(
      () => new RedisLeaderElection({ url: server.url, leaseMs: 100, renewMs: 80, safetyMarginMs: 50 }),
    ).toThrow(/at least 131 ms/);
  });

  it('of two electors exactly one leads, and both know which', async () => {
    const key = freshKey();
    const [a, b] = electors2(key);
    await Promise.all([a.start(), b.start()]);
    expect(leaders()).toHaveLength(1);
    const leader = leaders()[0];
    const follower = leader === a ? b : a;
    expect(await admin.get(key)).toBe(leader.instanceId);
    expect(leader.leaderId()).toBe(leader.instanceId);
    expect(leader.leaderSince()).toBeTypeOf('number');
    expect(follower.leaderId()).toBe(leader.instanceId);
    expect(follower.leaderSince()).toBeUndefined();
    // Renewals keep the same leader across several leases.
    await sleep(LEASE_MS * 2);
    expect(leaders()).toEqual([leader]);
    expect(await admin.pttl(key)).toBeGreaterThan(LEASE_MS - RENEW_MS - 200);
  });

  it('release on stop hands over at once (within one retry period, not a lease)', async () => {
    const key = freshKey();
    const [a, b] = electors2(key);
    await a.start();
    await b.start();
    expect(a.isLeader()).toBe(true);
    const stoppedAt = Date.now();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    await waitFor(() => b.isLeader(), RENEW_MS + 300, 'the follower to lead');
    expect(Date.now() - stoppedAt).toBeLessThan(RENEW_MS + 300);
    expect(b.leaderId()).toBe(b.instanceId);
    expect(await admin.get(`${key}:released`)).toBe(a.instanceId);
  });

  it('a leader that dies holding the lease is replaced within the lease', async () => {
    const key = freshKey();
    // The dead leader: its lease is set and nobody renews it.
    const diedAt = Date.now();
    await admin.set(key, 'dead-host:1:00000000', 'PX', LEASE_MS, 'NX');
    const [b] = electors2(key, 1);
    await b.start();
    expect(b.isLeader()).toBe(false);
    expect(b.leaderId()).toBe('dead-host:1:00000000');
    await waitFor(() => b.isLeader(), LEASE_MS + 300, 'the follower to take over');
    const tookOver = Date.now() - diedAt;
    expect(tookOver).toBeGreaterThanOrEqual(LEASE_MS - 50);
    // The follower retries when the holder's lease lapses, not only at its next period.
    expect(tookOver).toBeLessThan(LEASE_MS + 200);
  });

  it('a leader whose lease is stolen steps down at its next renew', async () => {
    const key = freshKey();
    const [a, b] = electors2(key);
    await a.start();
    await b.start();
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    await admin.set(key, 'thief:1:ffffffff', 'PX', 60_000);
    const took = await waitFor(() => !a.isLeader(), RENEW_MS + 200, 'the leader to step down');
    expect(took).toBeLessThan(RENEW_MS + 200);
    expect(changes).toEqual([false]);
    expect(a.leaderId()).toBe('thief:1:ffffffff');
    // Nobody takes a lease the thief holds.
    await sleep(RENEW_MS * 2);
    expect(leaders()).toHaveLength(0);
    expect(b.leaderId()).toBe('thief:1:ffffffff');
  });

  it('the key deleted under a leader: it steps down, and nobody leads while it might still believe it does', async () => {
    const key = freshKey();
    const [a] = electors2(key);
    await a.start();
    await electors[1].start();
    const changes: boolean[] = [];
    a.onChange((l) => changes.push(l));
    await admin.del(key);
    await waitFor(() => changes.includes(false), RENEW_MS + 200, 'the leader to step down');
    // The other may hold the key a full lease first: it cannot know the old leader stepped down.
    await waitFor(() => leaders().length === 1, LEASE_MS + RENEW_MS * 2, 'a new leader');
    expect(await admin.get(key)).toBe(leaders()[0].instanceId);
  });

  it('Redis unresponsive: the leader steps down before its lease could lapse', async () => {
    const key = freshKey();
    const [a, b] = electors2(key);
    await a.start();
    await b.start();
    const lastGood = Date.now();
    // Writes block for longer than the lease: renews time out unanswered.
    await admin.call('CLIENT', 'PAUSE', String(LEASE_MS * 2), 'WRITE');
    const took = await waitFor(() => !a.isLeader(), LEASE_MS, 'the leader to step down');
    expect(Date.now() - lastGood).toBeLessThan(LEASE_MS - MARGIN_MS + 50);
    expect(took).toBeGreaterThan(0);
    await waitFor(() => leaders().length === 1, LEASE_MS * 4, 'a leader once Redis answers');
  });

  it('a leader paused past its lease (a blocked event loop) no longer claims to lead, before any timer runs', async () => {
    const [a, b] = electors2(freshKey());
    await a.start();
    await b.start();
    expect(a.isLeader()).toBe(true);
    const until = Date.now() + LEASE_MS;
    while (Date.now() < until) {
      // Busy: no renew, no watchdog, no sampler can run.
    }
    expect(a.isLeader()).toBe(false);
    expect(a.leaderSince()).toBeUndefined();
    await waitFor(() => leaders().length === 1, LEASE_MS * 2, 'one leader again');
  });

  it('Redis killed: the leader steps down at once; after a restart one is elected unattended', async () => {
    const key = freshKey();
    const [a, b] = electors2(key);
    await a.start();
    await b.start();
    const killedAt = Date.now();
    await server.kill();
    await waitFor(() => !a.isLeader() && !b.isLeader(), RENEW_MS + 200, 'the leader to step down');
    expect(Date.now() - killedAt).toBeLessThan(RENEW_MS + 200);
    await sleep(RENEW_MS);
    expect(leaders()).toHaveLength(0);
    await server.restart();
    await waitFor(() => leaders().length === 1, 5000, 'a leader after the restart');
    const fresh = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await fresh.get(key)).toBe(leaders()[0].instanceId);
    } finally {
      fresh.disconnect();
    }
    // The admin client reconnects by itself for the following tests.
    await waitFor(() => admin.status === 'ready', 5000, 'the admin client');
  });

  it('an elector started while Redis is down leads once it is up', async () => {
    await server.kill();
    const [a] = electors2(freshKey(), 1);
    await a.start();
    expect(a.isLeader()).toBe(false);
    await server.restart();
    await waitFor(() => a.isLeader(), 5000, 'leading after Redis came up');
    await waitFor(() => admin.status === 'ready', 5000, 'the admin client');
  });
});
