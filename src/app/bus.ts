import type { Bus } from '../bus/bus.js';
import { MemoryBus } from '../bus/memory.js';
import { RedisBus } from '../bus/redis.js';
import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';

/** How long a starting instance waits for Redis before it serves degraded and keeps reconnecting. */
const REDIS_START_WAIT_MS = 5000;

/** The bus named by `--bus`: the embedded memory bus, or Redis for many instances. */
export function createBus(config: Config, logger?: Logger): Bus {
  if (config.bus === 'memory') return new MemoryBus({ historySize: config.historySize, logger });
  return new RedisBus({
    url: config.bus,
    historySize: config.historySize,
    prefix: config.redisKeyPrefix,
    priceKey: config.redisPriceKey,
    priceChannel: config.redisPriceChannel,
    logger: logger?.child({ component: 'bus' }),
  });
}

/**
 * Wait (a bounded time) until a networked bus is connected. An unreachable Redis is not fatal:
 * the instance starts degraded, says so, and the bus reconnects by itself.
 */
export async function busConnected(bus: Bus, logger: Logger): Promise<void> {
  if (!(bus instanceof RedisBus)) return;
  try {
    await bus.ready(REDIS_START_WAIT_MS);
  } catch (err) {
    logger.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'starting without Redis: serving degraded until it answers (it is retried all along)',
    );
  }
}
