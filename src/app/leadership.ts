import type { Config } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { RedisLeaderElection } from '../scale/leader-election.js';
import { newInstanceId } from '../scale/instance-id.js';
import { loneLeader, type Leadership } from '../scale/leadership.js';

export interface RunLeadership {
  readonly leadership: Leadership;
  /** Begin contending (Redis: connect and try for the lease). */
  start(): Promise<void>;
  /** Step down and release the lease, so another instance takes over at once. */
  stop(): Promise<void>;
}

/** The memory bus: this instance is alone and leads itself. A Redis bus: a lease on `leaderKey`. */
export function leadershipFor(
  config: Pick<Config, 'bus' | 'leaderKey' | 'leaseMs'>,
  logger: Logger,
): RunLeadership {
  if (config.bus === 'memory') {
    const leadership = loneLeader(newInstanceId());
    return { leadership, start: () => Promise.resolve(), stop: () => Promise.resolve() };
  }
  const election = new RedisLeaderElection({
    url: config.bus,
    key: config.leaderKey,
    leaseMs: config.leaseMs,
    logger: logger.child({ component: 'leader' }),
  });
  logger.info(
    { instanceId: election.instanceId, key: election.key, leaseMs: election.leaseMs },
    'leader election: contending for the lease',
  );
  return { leadership: election, start: () => election.start(), stop: () => election.stop() };
}
