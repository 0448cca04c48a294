import { REDIS_SERVER, redisServerInstalled } from '../bus/redis-server.js';

export { startRedisServer, type RedisProcess } from '../bus/redis-server.js';

/**
 * Whether Redis tests can run. Without `redis-server` they are skipped with a message, except
 * under CI, where a missing server is a failure (CI must install it: see .ci/run).
 * Use as `describe.skipIf(!redisAvailable())(…)`.
 */
export function redisAvailable(): boolean {
  if (redisServerInstalled()) return true;
  if (process.env.CI) {
    throw new Error(
      `${REDIS_SERVER} is missing under CI; install the Debian package "redis-server" (.ci/run does).`,
    );
  }
  console.warn(
    `Skipping Redis tests: ${REDIS_SERVER} not found. Install it with: apt-get install redis-server`,
  );
  return false;
}
