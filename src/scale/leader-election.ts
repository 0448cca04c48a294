import { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { newInstanceId } from './instance-id.js';
import type { Leadership } from './leadership.js';

export { newInstanceId } from './instance-id.js';

export const DEFAULT_LEADER_KEY = 'tickstream:leader';
export const DEFAULT_LEASE_MS = 30_000;

export interface LeaderElectionOptions {
  /** `redis://host:port` */
  readonly url: string;
  /** Default `tickstream:leader`. */
  readonly key?: string;
  /** Default 30 s. */
  readonly leaseMs?: number;
  /** How often the leader renews and followers try to acquire. Default `leaseMs / 3`. */
  readonly renewMs?: number;
  /**
   * A leader steps down this long before its lease could lapse without a successful renew
   * (covers clock drift and timer lateness). Default `max(leaseMs / 10, 50)`.
   */
  readonly safetyMarginMs?: number;
  /** Default: host + pid + random. */
  readonly instanceId?: string;
  readonly logger?: Logger;
}

/**
 * Compare-and-extend: PEXPIRE only while the key holds our id. Returns the holder (empty: none)
 * and its remaining lease, so a follower knows who leads and when to try again.
 */
const RENEW_SCRIPT = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {holder, tonumber(ARGV[2])}
end
if not holder then return {'', -2} end
return {holder, redis.call('PTTL', KEYS[1])}
`;

/**
 * Compare-and-delete: release only a lease we still hold, and note who released it (KEYS[2]) so a
 * follower finding the key gone early knows it was handed over, not lost.
 */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
  return redis.call('DEL', KEYS[1])
end
return 0
`;

type ElectionRedis = Redis & {
  tsRenew(key: string, id: string, leaseMs: number): Promise<[string, number]>;
  tsRelease(key: string, releasedKey: string, id: string, leaseMs: number): Promise<number>;
};

/**
 * A lease on one Redis key decides who leads: `SET key id NX PX lease` acquires it, the leader
 * extends it every `renewMs` with a compare-and-extend script, and deletes it (compare-and-delete)
 * on `stop()`. A leader whose renew fails, errors, or has not succeeded for `leaseMs - margin`
 * (counted from when the last good renew was *sent*, so always before Redis can expire it)
 * steps down at once: two instances never lead together. A follower that acquires a key which
 * vanished before its holder's lease could lapse (deleted, or lost by Redis) holds it one lease
 * before leading, unless that holder released it on stop.
 */
export class RedisLeaderElection implements Leadership {
  readonly instanceId: string;
  readonly key: string;
  readonly leaseMs: number;
  readonly renewMs: number;
  /** Who last released the lease on stop (a handover, not a loss). */
  private readonly releasedKey: string;
  private readonly marginMs: number;
  private readonly redis: ElectionRedis;
  private readonly log: Logger | undefined;
  private readonly listeners = new Set<(isLeader: boolean) => void>();
  private leading = false;
  private since: number | undefined;
  /** While leading: the time after which the lease might have lapsed in Redis. */
  private validUntil = 0;
  private holder: string | undefined;
  /** When the lease of another holder we last saw would lapse (from its PTTL). */
  private othersLeaseEnd = 0;
  /** Holding a key that vanished early: not leading before this time. */
  private pendingUntil: number | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(opts: LeaderElectionOptions) {
    this.instanceId = opts.instanceId ?? newInstanceId();
    this.key = opts.key ?? DEFAULT_LEADER_KEY;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.releasedKey = `${this.key}:released`;
    this.renewMs = opts.renewMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.marginMs = opts.safetyMarginMs ?? Math.max(Math.floor(this.leaseMs / 10), 50);
    if (this.marginMs + this.renewMs >= this.leaseMs) {
      throw new RangeError(
        `leader lease ${this.leaseMs} ms is too short for renewing every ${this.renewMs} ms with a ${this.marginMs} ms margin; use a lease of at least ${this.renewMs + this.marginMs + 1} ms`,
      );
    }
    this.log = opts.logger;
    const redis = new Redis(opts.url, {
      lazyConnect: true,
      // Fail fast while disconnected: a queued renew answered late would be a lie.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: this.renewMs,
      retryStrategy: (times) => Math.min(times * 100, 1000),
    });
    redis.defineCommand('tsRenew', { numberOfKeys: 1, lua: RENEW_SCRIPT });
    redis.defineCommand('tsRelease', { numberOfKeys: 2, lua: RELEASE_SCRIPT });
    redis.on('error', (err: Error) => this.log?.debug({ err: err.message }, 'leader election: redis error'));
    // Up (again) after an outage: try at once rather than at the next period.
    redis.on('ready', () => this.schedule(0));
    this.redis = redis as ElectionRedis;
  }

  /** Connect and try for the lease; resolves after the first attempt (leading or not). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.redis.connect();
    } catch (err) {
      // ioredis keeps reconnecting; 'ready' will start the attempts.
      this.log?.warn({ err: (err as Error).message }, 'leader election: redis unreachable, retrying');
      return;
    }
    await this.tick();
  }

  /** Step down (listeners hear `false` first), release the lease if held, and disconnect. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.tickTimer);
    const wasLeader = this.leading;
    this.stepDown('stopping');
    await this.inFlight;
    // Even a follower releases: an acquire answered while stopping may have left the key ours.
    try {
      await this.redis.tsRelease(this.key, this.releasedKey, this.instanceId, this.leaseMs);
    } catch (err) {
      if (wasLeader) {
        this.log?.warn({ err: (err as Error).message }, 'leader election: could not release the lease');
      }
    }
    this.redis.disconnect();
  }

  isLeader(): boolean {
    return this.leading && Date.now() < this.validUntil;
  }

  leaderId(): string | undefined {
    return this.isLeader() ? this.instanceId : this.holder;
  }

  leaderSince(): number | undefined {
    return this.isLeader() ? this.since : undefined;
  }

  onChange(listener: (isLeader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private schedule(delayMs: number): void {
    if (this.stopped || !this.started) return;
    clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), delayMs);
    this.tickTimer.unref();
  }

  private tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // One attempt at a time; the running one schedules the next.
    this.inFlight ??= this.attempt().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async attempt(): Promise<void> {
    let next = this.renewMs;
    const sentAt = Date.now();
    try {
      if (this.leading) {
        const [holder] = await this.redis.tsRenew(this.key, this.instanceId, this.leaseMs);
        if (this.stopped || !this.leading) return;
        if (holder === this.instanceId) this.extend(sentAt);
        else this.stepDown('lease lost', holder === '' ? undefined : holder);
      } else {
        let ours = (await this.redis.set(this.key, this.instanceId, 'PX', this.leaseMs, 'NX')) === 'OK';
        if (this.stopped) return;
        if (
          ours &&
          sentAt < this.othersLeaseEnd &&
          this.pendingUntil === undefined &&
          (await this.redis.get(this.releasedKey)) !== this.holder
        ) {
          // The key vanished while its holder may still believe it leads (deleted, or Redis lost
          // it without dropping connections): hold it for a full lease before leading, by when
          // any such holder has stepped down (every renew it sent since fails the compare).
          this.pendingUntil = Date.now() + this.leaseMs;
          this.log?.warn(
            { instanceId: this.instanceId, previous: this.holder },
            'leader election: the lease key vanished before its holder could have stepped down; holding it one lease before leading',
          );
        }
        if (!ours) {
          // Ours already (we stepped down on an error while the key stayed, or hold it pending): extend it.
          const [holder, ttl] = await this.redis.tsRenew(this.key, this.instanceId, this.leaseMs);
          if (this.stopped) return;
          ours = holder === this.instanceId;
          if (!ours) {
            this.pendingUntil = undefined;
            if (holder !== '') {
              this.holder = holder;
              this.othersLeaseEnd = ttl >= 0 ? Date.now() + ttl : Infinity;
            }
            // Try again just after the holder's lease would lapse, if that comes before the period.
            if (ttl >= 0 && ttl < next) next = ttl + 5;
          }
        }
        if (ours) {
          const wait = this.pendingUntil === undefined ? 0 : this.pendingUntil - Date.now();
          if (wait <= 0) this.become(sentAt);
          else next = Math.min(next, wait);
        }
      }
    } catch (err) {
      if (this.leading) this.stepDown(`renew failed: ${(err as Error).message}`);
      else this.log?.debug({ err: (err as Error).message }, 'leader election: acquire failed');
      this.holder = undefined;
    } finally {
      this.schedule(next);
    }
  }

  private become(sentAt: number): void {
    this.leading = true;
    this.pendingUntil = undefined;
    this.othersLeaseEnd = 0;
    this.since = Date.now();
    this.holder = this.instanceId;
    this.extend(sentAt);
    this.log?.info({ instanceId: this.instanceId, key: this.key }, 'became leader');
    this.emit(true);
  }

  /** The lease was set or extended by a command sent at `sentAt`: it holds until at least then + lease. */
  private extend(sentAt: number): void {
    this.validUntil = sentAt + this.leaseMs - this.marginMs;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.leading) this.stepDown('no successful renew within the lease');
    }, this.validUntil - Date.now());
    this.watchdog.unref();
  }

  private stepDown(reason: string, holder?: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.since = undefined;
    this.validUntil = 0;
    this.holder = holder;
    clearTimeout(this.watchdog);
    this.log?.info({ instanceId: this.instanceId, reason, leader: holder }, 'stepped down as leader');
    this.emit(false);
  }

  private emit(isLeader: boolean): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(isLeader);
      } catch (err) {
        this.log?.error({ err }, 'leadership listener failed');
      }
    }
  }
}
