/**
 * Which well-formed Binance stream names (hub-protocol.ts `isWellFormedStreamName`) the replay
 * hub can serve. Every other name is refused, on SUBSCRIBE and in the URL, with the reason —
 * never acknowledged and left silent:
 * - `<symbol>@referencePrice`: Binance's matching engine computes it; recorded trades and books
 *   do not hold it;
 * - `<symbol>@blockTrade`: block trades are not in the recorded endpoints (historicalTrades, depth);
 * - `!bookTicker`: Binance removed it in December 2022;
 * - a symbol the replay does not have, or one spelled in capitals (stream symbols are lowercase).
 * Everything else documented in EXCHANGES.md §1.4 is published.
 */

import type { StreamType } from '../../net/stream-type.js';

/** Symbols named in a refusal before it says "and N more". */
const LISTED_SYMBOLS = 10;

const UNSERVABLE_TYPES: ReadonlyMap<string, string> = new Map([
  [
    'referencePrice',
    "reference prices are computed by Binance's matching engine and are not in the recorded trades and books",
  ],
  [
    'blockTrade',
    'block trades are not in the recordings (only api/v3/historicalTrades and api/v3/depth are recorded)',
  ],
]);

const UNSERVABLE_MARKET_STREAMS: ReadonlyMap<string, string> = new Map([
  [
    '!bookTicker',
    'Binance removed the All Book Tickers stream in December 2022; subscribe to <symbol>@bookTicker for each symbol instead',
  ],
]);

/** The replay's symbols, as a refusal needs them. */
export interface ReplayedSymbols {
  has(nativeSymbol: string): boolean;
  /** Every replayed symbol (uppercase native), for the message. */
  list(): readonly string[];
}

/**
 * Why the hub cannot serve the well-formed stream `name`, or undefined when it publishes it.
 * The reason completes "stream `x` is not available: …".
 */
export function streamRefusal(name: string, symbols: ReplayedSymbols): string | undefined {
  if (name.charCodeAt(0) === 33 /* ! */) return UNSERVABLE_MARKET_STREAMS.get(name);
  const at = name.indexOf('@');
  const symbol = name.slice(0, at);
  const rest = name.slice(at + 1);
  const type = UNSERVABLE_TYPES.get(rest);
  if (type !== undefined) return type;
  const lower = symbol.toLowerCase();
  if (symbol !== lower) return `stream symbols are lowercase: use \`${lower}@${rest}\``;
  const native = symbol.toUpperCase();
  if (symbols.has(native)) return undefined;
  return `the replay has no symbol ${native} (${describeSymbols(symbols.list())})`;
}

function describeSymbols(list: readonly string[]): string {
  if (list.length === 0) return 'it has replayed no symbol yet';
  const shown = list.slice(0, LISTED_SYMBOLS).join(', ');
  const more = list.length > LISTED_SYMBOLS ? ` and ${list.length - LISTED_SYMBOLS} more` : '';
  return `it replays ${shown}${more}`;
}

/**
 * The `/metrics` stream type of a stream name (`btcusdt@depth5@100ms`, `!ticker_1h@arr`): the
 * part that names the kind, after the symbol (before `@arr` on the all-market streams).
 */
export function binanceStreamType(name: string): StreamType {
  const at = name.indexOf('@');
  const kind = name.charCodeAt(0) === 33 /* ! */ ? name.slice(1, at) : name.slice(at + 1);
  if (kind === 'trade' || kind === 'aggTrade') return 'trade';
  if (kind.startsWith('depth')) return 'book';
  if (kind === 'bookTicker') return 'quote';
  if (kind.startsWith('kline_')) return 'bar';
  if (kind.startsWith('ticker') || kind === 'miniTicker' || kind === 'avgPrice') return 'ticker';
  return 'other';
}
