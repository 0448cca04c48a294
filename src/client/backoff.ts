/** Reconnect delays with full jitter: uniformly random in [0, min(max, initial × 2^attempt)]. */
export interface BackoffOptions {
  /** The first ceiling, ms (default 500). */
  readonly initialMs?: number;
  /** The largest ceiling, ms (default 30,000). */
  readonly maxMs?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 } as const;

/**
 * The delay before reconnect attempt `attempt` (0 for the first). Full jitter spreads a crowd of
 * clients cut at once over the whole window, so a restarted gateway is not hit by all of them at once.
 */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = opts.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const max = opts.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
