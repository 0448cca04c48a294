/**
 * Kraken names one pair four ways: the v2 WebSocket symbol `BTC/USD` (also Tickstream's
 * canonical form), the REST request name (AssetPairs `altname`) `XBTUSD`, the REST result key
 * `XXBTZUSD`, and the v1 WebSocket name (`wsname`) `XBT/USD`, which v2 refuses. This module
 * builds each pair's names and precisions from AssetPairs and looks pairs up by any name.
 */
import { ConfigError, DecodeError } from '../../core/errors.js';
import { KRAKEN_ASSET_PAIRS } from './asset-pairs.js';
import type { KrakenPrecision } from './checksum.js';
import type { KrakenRestAssetPair, KrakenRestResponse } from './wire.js';

/** Legacy asset codes of v1 and REST, and the ISO-style code v2 uses instead. */
const LEGACY_ASSET_CODES: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

export interface KrakenPair extends KrakenPrecision {
  /** v2 symbol and canonical symbol: `BTC/USD`. */
  readonly symbol: string;
  /** REST request name (`pair=`): `XBTUSD`. */
  readonly altname: string;
  /** REST result key: `XXBTZUSD`. */
  readonly restKey: string;
  /** v1 WebSocket name: `XBT/USD`. */
  readonly wsname: string;
}

/** `XBT/USD` → `BTC/USD`. */
export function v2SymbolOf(wsname: string): string {
  const slash = wsname.indexOf('/');
  const code = (asset: string): string => LEGACY_ASSET_CODES[asset] ?? asset;
  return `${code(wsname.slice(0, slash))}/${code(wsname.slice(slash + 1))}`;
}

/**
 * The pair of one AssetPairs entry; undefined for entries without a `wsname` (dark pools such as
 * `XXBTZUSD.d` cannot be streamed).
 */
export function pairFromAssetPair(restKey: string, entry: KrakenRestAssetPair): KrakenPair | undefined {
  if (entry.wsname === undefined) return undefined;
  return {
    symbol: v2SymbolOf(entry.wsname),
    altname: entry.altname,
    restKey,
    wsname: entry.wsname,
    priceDecimals: entry.pair_decimals,
    qtyDecimals: entry.lot_decimals,
  };
}

/** Upper case, `-` / `_` as `/`: `btc-usd` → `BTC/USD`, `xbtusd` → `XBTUSD`. */
function lookupKey(name: string): string {
  return name.toUpperCase().replace(/[-_]/g, '/');
}

/** A set of pairs, looked up by any of their names. */
export class KrakenPairs {
  private readonly pairs: readonly KrakenPair[];
  private readonly byName = new Map<string, KrakenPair>();

  constructor(pairs: Iterable<KrakenPair>) {
    this.pairs = [...pairs];
    for (const pair of this.pairs) {
      for (const name of [pair.symbol, pair.altname, pair.restKey, pair.wsname]) {
        this.byName.set(lookupKey(name), pair);
      }
    }
  }

  /** Every streamable pair of an AssetPairs body. Throws DecodeError on an error body or bad entry. */
  static fromAssetPairs(body: unknown): KrakenPairs {
    const result = restResult(body, 'AssetPairs');
    const pairs: KrakenPair[] = [];
    for (const [key, entry] of Object.entries(result)) {
      if (!isAssetPair(entry)) {
        throw new DecodeError(`kraken: AssetPairs entry ${key} lacks altname, pair_decimals or lot_decimals`);
      }
      const pair = pairFromAssetPair(key, entry);
      if (pair !== undefined) pairs.push(pair);
    }
    return new KrakenPairs(pairs);
  }

  list(): readonly KrakenPair[] {
    return this.pairs;
  }

  /** The pair any of whose names is `name` (case and `-`/`_`/`/` ignored), or undefined. */
  find(name: string): KrakenPair | undefined {
    return this.byName.get(lookupKey(name));
  }

  /** Like `find`, but a ConfigError lists the known pairs when there is none. */
  get(name: string): KrakenPair {
    const pair = this.find(name);
    if (pair === undefined) {
      const known = this.pairs.map((p) => p.symbol).join(', ');
      throw new ConfigError(`kraken: unknown pair "${name}"; known pairs: ${known}`);
    }
    return pair;
  }
}

/** The pairs Tickstream replays (BTC/USD, ETH/USD), from the real AssetPairs entries. */
export const KRAKEN_PAIRS = new KrakenPairs(
  Object.entries(KRAKEN_ASSET_PAIRS).flatMap(([key, entry]) => pairFromAssetPair(key, entry) ?? []),
);

/**
 * The `result` of a Kraken REST body; a DecodeError carries Kraken's error strings (they come
 * with HTTP 200) or names what is missing.
 */
export function restResult(body: unknown, endpoint: string): Record<string, unknown> {
  const envelope = body as KrakenRestResponse<unknown> | null;
  if (typeof envelope !== 'object' || envelope === null || !Array.isArray(envelope.error)) {
    throw new DecodeError(`kraken: ${endpoint} body is not {"error":[…],"result":…}`);
  }
  if (envelope.error.length > 0) {
    throw new DecodeError(`kraken: ${endpoint} answered ${envelope.error.join('; ')}`);
  }
  const result = envelope.result;
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new DecodeError(`kraken: ${endpoint} body has no result object`);
  }
  return result as Record<string, unknown>;
}

function isAssetPair(entry: unknown): entry is KrakenRestAssetPair {
  if (typeof entry !== 'object' || entry === null) return false;
  const e = entry as Partial<Record<keyof KrakenRestAssetPair, unknown>>;
  return (
    typeof e.altname === 'string' &&
    Number.isInteger(e.pair_decimals) &&
    Number.isInteger(e.lot_decimals) &&
    (e.wsname === undefined || (typeof e.wsname === 'string' && e.wsname.includes('/')))
  );
}
