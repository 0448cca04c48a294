import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisAvailable, startRedisServer } from '../test-support/redis.js';

describe.skipIf(!redisAvailable())('throwaway redis-server', () => {
  it('starts empty on a free port, survives kill and restart, and stops', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      expect(await client.dbsize()).toBe(0);
      await client.set('k', 'v');
      await server.kill();
      await server.restart();
      const again = new Redis(server.url, { maxRetriesPerRequest: 1 });
      expect(await again.get('k')).toBeNull();
      again.disconnect();
    } finally {
      client.disconnect();
      await server.stop();
      await server.stop();
    }
  });
});
