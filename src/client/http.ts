/** The gateway's HTTP reads: the latest-price cache, health and the sources panel's data. */
import type { Exchange } from '../core/types.js';

export interface LatestPrice {
  readonly pair: string;
  readonly price: number;
  readonly timestamp: number;
  readonly source: string;
}

export interface LatestPrices {
  readonly prices: readonly LatestPrice[];
  /** The venues carrying each pair. */
  readonly venues: Readonly<Record<string, readonly Exchange[]>>;
}

export interface SourceView {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly connected: boolean;
  readonly state: string;
  readonly healthy: boolean;
  readonly latencyMs?: number;
  readonly lastUpdate?: number;
  readonly messages: number;
  readonly errors: number;
  readonly feed?: {
    readonly state: string;
    readonly breaker?: string;
    readonly circuitBreaker?: { readonly state: string; readonly failureCount: number };
    readonly reconnects?: number;
    readonly messages?: number;
    readonly lastMessageAt?: number;
    /** Exchange timestamp to receipt, ms (behind a replay hub: the replay's offset from the wall clock). */
    readonly latencyMs?: number;
    /** Heartbeat round trip, ms, where the client pings. */
    readonly pingRttMs?: number;
  };
}

export interface SourcesView {
  readonly running: boolean;
  /** The aggregator's active source per symbol. */
  readonly active: Readonly<Record<string, Exchange>>;
  readonly symbols: readonly {
    symbol: string;
    primary: Exchange;
    active: Exchange;
    failoverFailed: boolean;
  }[];
  readonly sources: readonly SourceView[];
}

export interface HealthView {
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly timestamp: number;
  readonly instanceId?: string;
  readonly isLeader: boolean;
  readonly leaderId?: string;
  readonly alerts?: readonly {
    readonly type: string;
    readonly message?: string;
    readonly severity?: string;
  }[];
  readonly [key: string]: unknown;
}

export type FetchLike = (
  url: string,
  init?: { headers?: Record<string, string> },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
  text(): Promise<string>;
}>;

/** GET `url` as JSON; a non-2xx answer rejects with the gateway's own message. */
export async function getJson<T>(
  fetchImpl: FetchLike,
  url: string,
  headers: Record<string, string>,
): Promise<T> {
  const res = await fetchImpl(url, { headers: { accept: 'application/json', ...headers } });
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    throw new Error(`GET ${url}: HTTP ${res.status}${body ? ` ${body.slice(0, 300)}` : ''}`);
  }
  return (await res.json()) as T;
}
