/** The last prices kept in `localStorage`, shown (as degraded) before the gateway answers. */
import type { PriceView } from './use-price-stream.js';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

function storage(): StorageLike | undefined {
  try {
    return (globalThis as { localStorage?: StorageLike }).localStorage;
  } catch {
    return undefined; // a browser that forbids storage (privacy mode) throws on access
  }
}

export function loadPrices(key: string): Record<string, PriceView> {
  const raw = storage()?.getItem(key);
  if (raw === null || raw === undefined) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const out: Record<string, PriceView> = {};
    for (const [pair, v] of Object.entries(parsed as Record<string, PriceView>)) {
      if (typeof v?.price === 'number' && typeof v.timestamp === 'number') out[pair] = { ...v, cached: true };
    }
    return out;
  } catch {
    return {};
  }
}

export function savePrices(key: string, prices: Record<string, PriceView>): void {
  try {
    storage()?.setItem(key, JSON.stringify(prices));
  } catch {
    // Full or forbidden storage: the cache is a convenience, the live prices are unaffected.
  }
}
