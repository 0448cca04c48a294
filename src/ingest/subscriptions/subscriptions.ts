/**
 * What ingest subscribes, from three sources combined in one `SubscriptionManager`: the static
 * config symbols (always), gateway demand (optional, with a grace period) and a positions
 * endpoint (optional, polled).
 */
import type { Logger } from '../../core/logger.js';
import type { Exchange } from '../../core/types.js';
import { DemandSubscriptions, type StreamDemandListener } from './demand.js';
import type { JsonPath } from './json-path.js';
import { SubscriptionManager, type SubscriptionTarget } from './manager.js';
import { PositionsPoller } from './positions.js';
import type { Schedule } from './timers.js';
import type { SymbolCatalog, SymbolWant } from './wants.js';

export const SOURCE = { static: 'static', demand: 'demand', positions: 'positions' } as const;

export interface SubscriptionsOptions {
  readonly targets: ReadonlyMap<Exchange, SubscriptionTarget>;
  /** The config's symbols per exchange: always subscribed. */
  readonly static: ReadonlyMap<Exchange, readonly string[]>;
  /** Which exchanges list a symbol (for demand of aggregated streams and for positions). */
  readonly catalog: SymbolCatalog;
  /** Follow gateway demand, releasing a symbol `graceMs` after its last stream is released. */
  readonly demand?: { readonly graceMs: number };
  readonly positions?: {
    readonly url: string;
    readonly intervalMs: number;
    readonly path: JsonPath;
    readonly authHeader?: { readonly name: string; readonly value: string };
    readonly timeoutMs: number;
    readonly fetch?: typeof fetch;
  };
  readonly logger: Logger;
  readonly schedule?: Schedule;
}

export interface Subscriptions {
  readonly manager: SubscriptionManager;
  /** Where the gateway reports stream demand; undefined when demand is off. */
  readonly demand: StreamDemandListener | undefined;
  readonly positions: PositionsPoller | undefined;
  /** Stop the sources (grace timers, poller); the feeds keep what they have. */
  close(): Promise<void>;
}

export function startSubscriptions(opts: SubscriptionsOptions): Subscriptions {
  const log = opts.logger.child({ component: 'subscriptions' });
  const manager = new SubscriptionManager({ targets: opts.targets, catalog: opts.catalog, logger: log });
  const fixed: SymbolWant[] = [];
  for (const [exchange, symbols] of opts.static)
    for (const symbol of symbols) fixed.push({ symbol, exchange });
  manager.set(SOURCE.static, fixed);

  const demand =
    opts.demand === undefined
      ? undefined
      : new DemandSubscriptions({
          graceMs: opts.demand.graceMs,
          schedule: opts.schedule,
          onChange: (wants) => manager.set(SOURCE.demand, wants),
        });

  const p = opts.positions;
  const positions =
    p === undefined
      ? undefined
      : new PositionsPoller({
          ...p,
          logger: log.child({ source: SOURCE.positions }),
          schedule: opts.schedule,
          onChange: (wants) => manager.set(SOURCE.positions, wants),
        });
  positions?.start();

  return {
    manager,
    demand,
    positions,
    async close() {
      demand?.close();
      await positions?.close();
    },
  };
}
