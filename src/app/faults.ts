/**
 * Fault injection wired onto a replay hub: one fault store over the hub's venues (symbols
 * resolved through each venue module's own spellings), every venue's tap attached, the
 * `/control/faults` API added, and the `--fault` flags armed before anything connects.
 */
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import { FaultControl } from '../replay/fault-control.js';
import { specFromFlag } from '../replay/fault-spec.js';
import { FaultStore, type FaultVenue } from '../replay/faults.js';
import type { HubObserver } from '../replay/hub-observer.js';
import type { ReplayHub } from '../replay/hub.js';

export interface HubFaultsOptions {
  readonly hub: ReplayHub;
  /** Native symbols replayed, per exchange. */
  readonly symbols: ReadonlyMap<Exchange, readonly string[]>;
  /** `--fault` values, armed at once. */
  readonly flags?: readonly string[];
  readonly logger: Logger;
  readonly observer?: HubObserver;
}

/** The venue's own spelling of `symbol`, trying it as canonical, then as native. */
function resolver(exchange: Exchange, replayed: readonly string[]): (symbol: string) => string | undefined {
  const venue = venueFor(exchange);
  const attempts = [
    (s: string) => venue.toNative(s),
    (s: string) => venue.toNative(venue.toCanonical(s)),
    (s: string) => s,
  ];
  return (symbol) => {
    let first: string | undefined;
    for (const attempt of attempts) {
      let native: string;
      try {
        native = attempt(symbol);
      } catch {
        continue;
      }
      if (replayed.includes(native)) return native;
      first ??= native;
    }
    return first;
  };
}

/** Attach fault injection to `hub`; throws a ConfigError naming a bad `--fault`. */
export function attachHubFaults(opts: HubFaultsOptions): FaultStore {
  const venues: FaultVenue[] = [];
  for (const endpoint of opts.hub.venues) {
    if (endpoint.faultSupport === undefined) continue;
    const exchange = endpoint.exchange;
    const symbols = opts.symbols.get(exchange) ?? [];
    venues.push({
      exchange,
      symbols,
      supports: endpoint.faultSupport,
      resolve: resolver(exchange, symbols),
      canonical: (native) => venueFor(exchange).toCanonical(native),
    });
  }
  const store = new FaultStore({ venues, logger: opts.logger, observer: opts.observer });
  for (const endpoint of opts.hub.venues) endpoint.attachFaults?.(store);
  const control = new FaultControl(store);
  opts.hub.addControl((req, res, path) => control.handle(req, res, path));
  for (const flag of opts.flags ?? []) {
    const spec = specFromFlag(flag);
    const added = spec.ok ? store.add(spec.spec) : spec;
    if (!added.ok)
      throw new ConfigError(
        added.error.startsWith('--fault') ? added.error : `--fault ${flag}: ${added.error}`,
      );
  }
  return store;
}
