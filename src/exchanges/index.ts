/**
 * The venue registry: the one place outside the venue folders that names a venue. The app, the
 * CLI, the config schema and the bench look venues up here.
 */
import { NotAvailableError } from '../core/errors.js';
import { EXCHANGES, type Exchange } from '../core/types.js';
import { alpaca } from './alpaca/index.js';
import { binance } from './binance/index.js';
import { kraken } from './kraken/index.js';
import { okx } from './okx/index.js';
import type { VenueModule } from './venue.js';

export type { VenueModule } from './venue.js';

const REGISTERED: readonly VenueModule[] = [binance, kraken, okx, alpaca];

const BY_NAME: ReadonlyMap<Exchange, VenueModule> = new Map(REGISTERED.map((v) => [v.exchange, v]));

/** Venues this build speaks, in their default order (the first is the default primary source). */
export const VENUE_NAMES: readonly Exchange[] = REGISTERED.map((v) => v.exchange);

/** The venue `name`, or a clear error naming what this build offers. */
export function venueFor(name: Exchange): VenueModule {
  const venue = BY_NAME.get(name);
  if (venue !== undefined) return venue;
  throw new NotAvailableError(
    `${name} is not available yet in this build; use any of ${VENUE_NAMES.join(', ')}.`,
  );
}

/** Known exchange names this build does not speak yet (refused with a clear error). */
export const PLANNED_EXCHANGES: readonly Exchange[] = EXCHANGES.filter((e) => !BY_NAME.has(e));
