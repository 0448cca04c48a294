/** What the aggregator reports: source switches, failed failovers and its view of each symbol's sources. */
import type { Exchange } from '../core/types.js';
import type { MarketData } from './market-data.js';
import type { SourceHealthView, UnhealthyReason } from './source-health.js';

export type SwitchReason = UnhealthyReason | 'primary_recovered';

export interface SourceSwitch {
  readonly symbol: string;
  readonly from: Exchange;
  readonly to: Exchange;
  readonly reason: SwitchReason;
  readonly at: number;
}

export interface FailoverFailed {
  readonly symbol: string;
  /** The source left active. */
  readonly active: Exchange;
  /** Why each source was refused. */
  readonly reasons: Readonly<Partial<Record<Exchange, UnhealthyReason>>>;
  readonly at: number;
}

export interface AggregatorEvents {
  sourceSwitch: SourceSwitch;
  failover_failed: FailoverFailed;
  marketData: MarketData;
}

export interface SymbolSourcesView {
  readonly symbol: string;
  readonly primary: Exchange;
  readonly active: Exchange;
  /** True while no source is healthy (after a `failover_failed`). */
  readonly failoverFailed: boolean;
  readonly sources: readonly SourceHealthView[];
}
