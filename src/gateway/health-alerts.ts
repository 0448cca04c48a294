/**
 * The alerts of `GET /api/market-data/health` and the status they add up to. Pure functions of
 * one snapshot (feeds, aggregator sources, prices, bus, load, leadership), so every alert and
 * status is testable without a running stack.
 */
import type { BusStatus } from '../bus/bus.js';
import type { Exchange } from '../core/types.js';
import type { SymbolSourcesView } from '../ingest/aggregator.js';
import type { FeedStats } from '../ingest/feed.js';
import type { LatestPrice } from './latest-price.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

export type HealthAlertCode =
  | 'no_ingest'
  | 'feed_down'
  | 'breaker_open'
  | 'consecutive_errors'
  | 'stale_channels'
  | 'no_healthy_source'
  | 'failover_active'
  | 'bus_unhealthy'
  | 'capacity_high'
  | 'price_not_live'
  | 'price_stale';

export interface HealthAlert {
  readonly severity: 'warning' | 'critical';
  readonly code: HealthAlertCode;
  readonly message: string;
  readonly exchange?: Exchange;
  readonly symbol?: string;
}

/** Failed connection attempts in a row from which a feed is alerted. */
export const CONSECUTIVE_ERRORS_ALERT = 3;
/** Capacity (% of max connections) from which the report recommends scaling up. */
export const CAPACITY_ALERT_PERCENT = 80;

export interface HealthSnapshot {
  /** This instance holds the ingest lease (a lone instance always does). */
  readonly isLeader: boolean;
  /** Ingest is attached to this process. */
  readonly ingesting: boolean;
  readonly feeds: readonly FeedStats[];
  readonly symbols: readonly SymbolSourcesView[];
  readonly prices: readonly LatestPrice[];
  readonly bus: BusStatus;
  readonly capacityPercentage: number;
}

export function healthAlerts(s: HealthSnapshot): HealthAlert[] {
  const out: HealthAlert[] = [];
  // A follower has no ingest by design: it serves what the leader puts on the bus.
  if (!s.ingesting && s.isLeader) {
    out.push({ severity: 'warning', code: 'no_ingest', message: 'ingest is not running in this process' });
  }
  for (const f of s.feeds) feedAlerts(f, out);
  for (const sym of s.symbols) {
    if (sym.failoverFailed) {
      const why = sym.sources.map((x) => `${x.exchange}: ${x.reason ?? 'healthy'}`).join(', ');
      out.push({
        severity: 'critical',
        code: 'no_healthy_source',
        symbol: sym.symbol,
        message: `no healthy source for ${sym.symbol} (${why})`,
      });
    } else if (sym.active !== sym.primary) {
      out.push({
        severity: 'warning',
        code: 'failover_active',
        symbol: sym.symbol,
        exchange: sym.active,
        message: `${sym.symbol} is served by ${sym.active} while its primary ${sym.primary} recovers`,
      });
    }
  }
  if (s.bus.state !== 'healthy') {
    const why = s.bus.reason === undefined ? '' : ` (${s.bus.reason})`;
    out.push({
      severity: 'critical',
      code: 'bus_unhealthy',
      message: `${s.bus.kind} bus is ${s.bus.state}${why}: serving the local cache while it reconnects`,
    });
  }
  if (s.capacityPercentage >= CAPACITY_ALERT_PERCENT) {
    out.push({
      severity: 'warning',
      code: 'capacity_high',
      message: `connections at ${s.capacityPercentage}% of capacity (alert at ${CAPACITY_ALERT_PERCENT}%): add an instance or raise maxConnections`,
    });
  }
  for (const p of s.prices) {
    if (p.staleness === 'stale') {
      const age = p.ageMs === undefined ? 'no price yet' : `last price ${Math.round(p.ageMs / 1000)} s old`;
      out.push({
        severity: 'critical',
        code: 'price_stale',
        symbol: p.symbol,
        message: `${p.symbol} price is stale (${age}, from the ${p.level} level)`,
      });
    } else if (p.level === 'local' || p.level === 'degraded') {
      // Seconds-old from the shared cache is a quiet market, not a fault; only this process's own
      // memory (the shared cache lost) or nothing at all is worth an alert before a minute.
      out.push({
        severity: 'warning',
        code: 'price_not_live',
        symbol: p.symbol,
        message: `${p.symbol} price from the ${p.level} level, ${p.staleness}`,
      });
    }
  }
  return out;
}

function feedAlerts(f: FeedStats, out: HealthAlert[]): void {
  if (f.state !== 'connected') {
    out.push({
      severity: 'critical',
      code: 'feed_down',
      exchange: f.exchange,
      message: `${f.exchange} ingest is ${f.state}`,
    });
  }
  if (f.breaker !== 'closed') {
    out.push({
      severity: 'critical',
      code: 'breaker_open',
      exchange: f.exchange,
      message: `${f.exchange} circuit breaker is ${f.breaker}: connection attempts are held back`,
    });
  }
  if (f.consecutiveErrors >= CONSECUTIVE_ERRORS_ALERT) {
    out.push({
      severity: 'warning',
      code: 'consecutive_errors',
      exchange: f.exchange,
      message: `${f.exchange}: ${f.consecutiveErrors} connection attempts failed in a row`,
    });
  }
  if (f.staleSymbols.length > 0) {
    out.push({
      severity: 'warning',
      code: 'stale_channels',
      exchange: f.exchange,
      message: `${f.exchange}: no data on any channel past its usual rhythm for ${f.staleSymbols.join(', ')}`,
    });
  }
}

/**
 * Unhealthy: this process ingests but no feed is connected, or no pair has any price. Degraded:
 * any alert (the instance still serves: load balancers keep it, HTTP 200). Healthy otherwise.
 */
export function healthStatus(s: HealthSnapshot, alerts: readonly HealthAlert[]): HealthStatus {
  const anyConnected = s.feeds.some((f) => f.state === 'connected');
  const allDegraded = s.prices.length > 0 && s.prices.every((p) => p.level === 'degraded');
  if ((s.ingesting && !anyConnected) || allDegraded) return 'unhealthy';
  return alerts.length > 0 ? 'degraded' : 'healthy';
}

/** HTTP status of a health answer: 503 only when unhealthy. */
export function httpStatusOf(status: HealthStatus): 200 | 503 {
  return status === 'unhealthy' ? 503 : 200;
}
