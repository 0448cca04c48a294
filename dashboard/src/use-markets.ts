import { useEffect, useState } from 'react';
import type { Exchange } from '../../src/client/index.js';
import { useTickstreamClient } from '../../src/react/index.js';

export interface Markets {
  /** Every pair the gateway prices, sorted. */
  readonly pairs: readonly string[];
  /** The venues carrying each pair. */
  readonly venuesOf: Readonly<Record<string, readonly Exchange[]>>;
  readonly loaded: boolean;
  readonly error: Error | undefined;
}

const RETRY_MS = 2000;
const REFRESH_MS = 30_000;

function sameMarkets(
  a: Markets,
  pairs: readonly string[],
  venuesOf: Record<string, readonly Exchange[]>,
): boolean {
  return a.loaded && JSON.stringify([a.pairs, a.venuesOf]) === JSON.stringify([pairs, venuesOf]);
}

/** The pairs and venues the gateway serves (`GET /api/prices`), asked again until there are some. */
export function useMarkets(): Markets {
  const client = useTickstreamClient();
  const [markets, setMarkets] = useState<Markets>({
    pairs: [],
    venuesOf: {},
    loaded: false,
    error: undefined,
  });
  useEffect(() => {
    if (client === undefined) return undefined;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      let found = 0;
      try {
        const latest = await client.latestPrices();
        const venuesOf: Record<string, readonly Exchange[]> = {};
        for (const [pair, venues] of Object.entries(latest.venues)) venuesOf[pair] = [...venues].sort();
        const pairs = [...new Set([...Object.keys(venuesOf), ...latest.prices.map((p) => p.pair)])].sort();
        found = pairs.length;
        if (alive)
          setMarkets((prev) =>
            sameMarkets(prev, pairs, venuesOf) ? prev : { pairs, venuesOf, loaded: true, error: undefined },
          );
      } catch (err) {
        if (alive) setMarkets((prev) => ({ ...prev, error: err as Error }));
      }
      if (alive) timer = setTimeout(() => void poll(), found > 0 ? REFRESH_MS : RETRY_MS);
    };
    void poll();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client]);
  return markets;
}
