/**
 * Composition of ingest's subscription sources from the config, and the link that carries the
 * gateway's stream demand to ingest (the gateway names streams, ingest hears symbols).
 */
import type { Config } from '../config/schema.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { StreamDemandListener } from '../ingest/subscriptions/demand.js';
import { parseJsonPath } from '../ingest/subscriptions/json-path.js';
import type { SubscriptionManager } from '../ingest/subscriptions/manager.js';
import type { SubscriptionsOptions } from '../ingest/subscriptions/subscriptions.js';
import { catalogOf, type SymbolCatalog } from '../ingest/subscriptions/wants.js';
import { parseStream } from '../gateway/streams.js';

/** What the demand link needs from a gateway (`Gateway` has both). */
export interface DemandReporter {
  demandedTopics(): string[];
  onDemandChange(listener: (topic: string, demanded: boolean) => void): () => void;
}

/**
 * The exchanges that list a symbol when ingesting from the exchanges themselves: each one's
 * `symbols` and every symbol its venue can spell. A venue that then refuses one upstream answers
 * the subscribe with an error (counted as the feed's `rejectedRequests`).
 */
export function spellingCatalog(symbols: ReadonlyMap<Exchange, readonly string[]>): SymbolCatalog {
  const known = catalogOf(symbols);
  const exchanges = [...symbols.keys()];
  return {
    listedOn(symbol) {
      const listed = known.listedOn(symbol);
      return exchanges.filter((e) => listed.includes(e) || spells(e, symbol));
    },
  };
}

function spells(exchange: Exchange, symbol: string): boolean {
  try {
    venueFor(exchange).toNative(symbol);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the gateway accepts beyond the static symbols: with demand, whatever an exchange lists
 * (asking subscribes it); with positions only, what is subscribed right now (`manager` is read
 * at each SUBSCRIBE, so the gateway may start before ingest). Undefined: the static symbols only.
 */
export function gatewayListing(
  config: Pick<Config, 'demandSubscriptions' | 'positionsUrl'>,
  catalog: SymbolCatalog,
  manager: () => Pick<SubscriptionManager, 'exchangesOf'> | undefined,
): ((symbol: string) => readonly Exchange[]) | undefined {
  if (config.demandSubscriptions) return (symbol) => catalog.listedOn(symbol);
  if (config.positionsUrl !== undefined) return (symbol) => manager()?.exchangesOf(symbol) ?? [];
  return undefined;
}

/** The demand and positions sources the config turns on. */
export function subscriptionSources(config: Config): Pick<SubscriptionsOptions, 'demand' | 'positions'> {
  const out: { -readonly [K in 'demand' | 'positions']?: SubscriptionsOptions[K] } = {};
  if (config.demandSubscriptions) out.demand = { graceMs: config.demandGraceMs };
  if (config.positionsUrl !== undefined) {
    const path = parseJsonPath(config.positionsPath);
    // The schema already refused a bad path; this only narrows the type.
    if (!path.ok) throw new Error(path.error);
    out.positions = {
      url: config.positionsUrl,
      intervalMs: config.positionsIntervalMs,
      path: path.path,
      timeoutMs: config.positionsTimeoutMs,
      authHeader:
        config.positionsAuthValue === undefined
          ? undefined
          : { name: config.positionsAuthHeader, value: config.positionsAuthValue },
    };
  }
  return out;
}

/**
 * Report every stream the gateway wants now and from now on to `listener` as (symbol, exchange).
 * Returns the function that unlinks (what was reported stays until the listener closes).
 */
export function linkDemand(gateway: DemandReporter, listener: StreamDemandListener): () => void {
  const report = (topic: string, demanded: boolean): void => {
    const parsed = parseStream(topic);
    if (!parsed.ok) return; // the gateway only holds topics it parsed; nothing else can appear
    const { symbol, exchange } = parsed.stream;
    if (demanded) listener.demanded(symbol, exchange);
    else listener.released(symbol, exchange);
  };
  const unlink = gateway.onDemandChange(report);
  for (const topic of gateway.demandedTopics()) report(topic, true);
  return unlink;
}
