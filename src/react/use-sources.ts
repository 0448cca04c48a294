import { useEffect, useState } from 'react';
import type { ClientOptions, HealthView, SourcesView } from '../client/index.js';
import { useTickstreamClient } from './context.js';

export interface SourcesState {
  /** Every ingest source and the aggregator's active source per symbol. */
  readonly sources: SourcesView | undefined;
  /** The gateway's health: status, leader, alerts. */
  readonly health: HealthView | undefined;
  readonly error: Error | undefined;
  /** When the last poll answered, ms. */
  readonly updatedAt: number | undefined;
}

export interface SourcesOptions extends ClientOptions {
  /** Poll period, ms (default 2000). */
  readonly pollMs?: number;
}

/** `/api/market-data/sources` and `/api/market-data/health`, polled while mounted. */
export function useSources(options: SourcesOptions = {}): SourcesState {
  const client = useTickstreamClient(options);
  const [state, setState] = useState<SourcesState>({
    sources: undefined,
    health: undefined,
    error: undefined,
    updatedAt: undefined,
  });
  const pollMs = options.pollMs ?? 2000;
  useEffect(() => {
    if (client === undefined) return undefined;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const [sources, health] = await Promise.all([client.sources(), client.health()]);
        if (alive) setState({ sources, health, error: undefined, updatedAt: Date.now() });
      } catch (err) {
        if (alive) setState((prev) => ({ ...prev, error: err as Error }));
      }
      if (alive) timer = setTimeout(() => void poll(), pollMs);
    };
    void poll();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client, pollMs]);
  return state;
}
