import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { silentLogger } from '../core/logger.js';
import { RedisLeaderElection } from '../scale/leader-election.js';
import { redisAvailable, startRedisServer, type RedisProcess } from '../test-support/redis.js';
import { leadershipFor } from './leadership.js';

describe('leadership of a run', () => {
  it('the memory bus: a lone leader, leading from the start', async () => {
    const config = await loadConfig({ env: {} });
    const run = leadershipFor(config, silentLogger());
    await run.start();
    expect(run.leadership.isLeader()).toBe(true);
    expect(run.leadership.leaderId()).toBe(run.leadership.instanceId);
    await run.stop();
  });

  it('refuses a lease under 300 ms from the environment, naming the variable and the minimum', async () => {
    await expect(loadConfig({ env: { TICKSTREAM_LEASE_MS: '100' } })).rejects.toThrow(
      /TICKSTREAM_LEASE_MS.*>= 300/,
    );
    await expect(loadConfig({ env: { TICKSTREAM_LEASE_MS: 'soon' } })).rejects.toThrow(/TICKSTREAM_LEASE_MS/);
  });
});

describe.skipIf(!redisAvailable())('leadership of a run on a Redis bus', () => {
  let redis: RedisProcess;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('contends for the lease on leaderKey with leaseMs, and releases it on stop', async () => {
    const config = await loadConfig({
      env: { TICKSTREAM_BUS: redis.url, TICKSTREAM_LEADER_KEY: 'app:lead', TICKSTREAM_LEASE_MS: '4000' },
    });
    const run = leadershipFor(config, silentLogger());
    expect(run.leadership).toBeInstanceOf(RedisLeaderElection);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      await run.start();
      expect(run.leadership.isLeader()).toBe(true);
      expect(await admin.get('app:lead')).toBe(run.leadership.instanceId);
      const ttl = await admin.pttl('app:lead');
      expect(ttl).toBeGreaterThan(3000);
      expect(ttl).toBeLessThanOrEqual(4000);
      await run.stop();
      expect(run.leadership.isLeader()).toBe(false);
      expect(await admin.exists('app:lead')).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
