/**
 * One venue's request budget: every request takes its weight from each rate limit that applies
 * (the venue-wide ones and its endpoint's own) and waits until it fits all of them.
 *
 * Each limit is kept as a sliding window of what was taken, not as a token bucket: a bucket of
 * `limit` tokens refilled at `limit` per window admits up to twice `limit` in one window (a full
 * bucket spent, then refilled), while the exchanges count per window. A sliding window never
 * exceeds the limit in any window, so it also never exceeds it in the exchange's fixed ones. A
 * request counts from when it is let through until a window after its answer came: the exchange
 * counted it on arrival, somewhere in between, so every window the exchange sees is covered.
 * Requests are served first come, first served, so a heavy request is never starved by light
 * ones. A 429/418 answer holds the whole venue until its Retry-After has passed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../core/errors.js';
import type { RateLimitRule } from './plan.js';

interface Taken {
  /** When the answer came (the exchange counted the request by then); Infinity while in flight. */
  at: number;
  readonly weight: number;
}

class SlidingBudget {
  private taken: Taken[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** ms until `weight` more fits (0: now). */
  waitFor(weight: number, now: number): number {
    this.taken = this.taken.filter((t) => t.at + this.windowMs > now);
    let excess = this.taken.reduce((sum, t) => sum + t.weight, 0) + weight - this.limit;
    if (excess <= 0) return 0;
    const byExpiry = [...this.taken].sort((a, b) => a.at - b.at);
    for (const t of byExpiry) {
      excess -= t.weight;
      // Only requests still in flight would make room: look again shortly.
      if (t.at === Infinity) return IN_FLIGHT_RECHECK_MS;
      if (excess <= 0) return t.at + this.windowMs - now;
    }
    return IN_FLIGHT_RECHECK_MS;
  }

  take(weight: number): Taken {
    const entry: Taken = { at: Infinity, weight };
    this.taken.push(entry);
    return entry;
  }
}

const IN_FLIGHT_RECHECK_MS = 20;

export class RateGate {
  private readonly venueBudgets: SlidingBudget[] = [];
  private readonly endpointRules: RateLimitRule[] = [];
  private readonly endpointBudgets = new Map<string, SlidingBudget[]>();
  private queue: Promise<void> = Promise.resolve();
  private holdUntilMs = 0;

  constructor(
    readonly rules: readonly RateLimitRule[],
    private readonly now: () => number = Date.now,
  ) {
    for (const rule of rules) {
      if (!(rule.limit > 0) || !(rule.windowMs > 0)) {
        throw new ConfigError(`rate limit ${rule.name} must have a positive limit and window`);
      }
      if (rule.scope === 'venue') this.venueBudgets.push(budgetOf(rule));
      else this.endpointRules.push(rule);
    }
  }

  /** Refuses a weight that no window could ever admit. */
  check(endpoint: string, weight: number): void {
    for (const rule of this.rules) {
      if (weight > rule.limit) {
        throw new ConfigError(
          `${endpoint} weighs ${weight}, more than rate limit ${rule.name} allows (${rule.limit} per ${rule.windowMs} ms)`,
        );
      }
    }
  }

  /** Until when a 429/418 holds every request (ms since epoch; 0 or past: not held). */
  get heldUntil(): number {
    return this.holdUntilMs;
  }

  /** Hold every request until `untilMs` (a Retry-After); a later hold extends it. */
  holdUntil(untilMs: number): void {
    if (untilMs > this.holdUntilMs) this.holdUntilMs = untilMs;
  }

  /**
   * Resolves once `weight` is taken from every budget of `endpoint`, with the function to call
   * when the request's answer (or failure) came: a request counts from then on, since the
   * exchange counts it when it arrives, which can be well after it was let through. Requests are
   * served in call order. Rejects (AbortError) when `signal` aborts first.
   */
  acquire(endpoint: string, weight: number, signal: AbortSignal): Promise<() => void> {
    const turn = this.queue.then(() => this.waitAndTake(endpoint, weight, signal));
    // The next caller waits for this turn, whether it was granted or aborted.
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private async waitAndTake(endpoint: string, weight: number, signal: AbortSignal): Promise<() => void> {
    const budgets = [...this.venueBudgets, ...this.budgetsOf(endpoint)];
    for (;;) {
      signal.throwIfAborted();
      const now = this.now();
      let wait = Math.max(0, this.holdUntilMs - now);
      for (const b of budgets) wait = Math.max(wait, b.waitFor(weight, now));
      if (wait === 0) {
        const entries = budgets.map((b) => b.take(weight));
        return () => {
          const done = this.now();
          for (const e of entries) if (e.at === Infinity) e.at = done;
        };
      }
      await sleep(wait, undefined, { signal });
    }
  }

  private budgetsOf(endpoint: string): SlidingBudget[] {
    let budgets = this.endpointBudgets.get(endpoint);
    if (budgets === undefined) {
      budgets = this.endpointRules.map(budgetOf);
      this.endpointBudgets.set(endpoint, budgets);
    }
    return budgets;
  }
}

function budgetOf(rule: RateLimitRule): SlidingBudget {
  return new SlidingBudget(rule.limit, rule.windowMs);
}
