import { parseMarket } from '../core/symbol.js';
import { EXCHANGES, type Exchange, type MessageType } from '../core/types.js';

export { parseMarket, parseSymbol, type SymbolParseResult } from '../core/symbol.js';

/**
 * Gateway stream names: `<type>@<market>` (aggregated across exchanges) and
 * `<type>@<exchange>:<market>` (one exchange), markets spelled `BTC/USDT`, `BTC-USDT` or
 * `BTC_USDT` in any case. Their canonical form (`trade@BTC/USDT`) is the bus topic.
 */
export const STREAM_TYPES = ['trade', 'book', 'book_change', 'ticker', 'quote', 'bar', 'status'] as const;
export type StreamType = (typeof STREAM_TYPES)[number];

/**
 * Other names of a stream type, as the services the gateway replaces spell them: `depth@` is
 * `book_change@` (the book diffs), carried on the same bus topic.
 */
export const STREAM_ALIASES: Readonly<Record<string, StreamType>> = { depth: 'book_change' };

/** Streams whose latest value is cached and sent first to a new subscriber. */
export const STATEFUL_STREAM_TYPES: ReadonlySet<StreamType> = new Set<StreamType>([
  'ticker',
  'book',
  'quote',
  'status',
]);

/** The normalized message type each stream carries (`book` carries top-20 `book_snapshot`s). */
export const MESSAGE_TYPE_OF_STREAM: Readonly<Record<StreamType, MessageType>> = {
  trade: 'trade',
  book: 'book_snapshot',
  book_change: 'book_change',
  ticker: 'ticker',
  quote: 'quote',
  bar: 'bar',
  status: 'status',
};

export interface StreamName {
  readonly type: StreamType;
  /** Undefined for the aggregated stream. */
  readonly exchange: Exchange | undefined;
  /** Canonical: `BTC/USDT`, `AAPL`. */
  readonly symbol: string;
}

export type StreamParseResult =
  | {
      readonly ok: true;
      readonly stream: StreamName;
      /** Canonical name, the bus topic: `book_change@BTC/USDT` for `depth@btc-usdt`. */
      readonly name: string;
      /** Canonical name with an alias type kept (`depth@BTC/USDT`); else `name`. */
      readonly requested: string;
    }
  | { readonly ok: false; readonly error: string };

/** Longest stream name accepted, to keep error messages and maps small. */
export const MAX_STREAM_NAME_LENGTH = 64;

const FORMS = `'<type>@<market>' or '<type>@<exchange>:<market>', e.g. 'trade@BTC/USDT' or 'book@binance:BTC-USDT'`;
const TYPE_SET: ReadonlySet<string> = new Set<string>(STREAM_TYPES);
const TYPE_NAMES = [...STREAM_TYPES, ...Object.keys(STREAM_ALIASES)].join(', ');
const EXCHANGE_SET: ReadonlySet<string> = new Set<string>(EXCHANGES);

/** Canonical stream name. */
export function formatStream(stream: StreamName): string {
  return stream.exchange === undefined
    ? stream.type + '@' + stream.symbol
    : stream.type + '@' + stream.exchange + ':' + stream.symbol;
}

/** Parse a stream name; the error names the bad part and how to fix it. */
export function parseStream(input: string): StreamParseResult {
  if (input.length === 0) return { ok: false, error: `stream name is empty: use ${FORMS}` };
  if (input.length > MAX_STREAM_NAME_LENGTH) {
    return {
      ok: false,
      error: `stream name '${input.slice(0, 24)}…' is ${input.length} characters, over the limit of ${MAX_STREAM_NAME_LENGTH}: use ${FORMS}`,
    };
  }
  const at = input.indexOf('@');
  if (at === -1) return { ok: false, error: `stream '${input}' has no '@': use ${FORMS}` };
  const rawType = input.slice(0, at);
  const asked = rawType.toLowerCase();
  const type = Object.hasOwn(STREAM_ALIASES, asked) ? STREAM_ALIASES[asked] : asked;
  if (!TYPE_SET.has(type)) {
    return {
      ok: false,
      error: `unknown stream type '${rawType}' in '${input}': use one of ${TYPE_NAMES}`,
    };
  }
  let rest = input.slice(at + 1);
  let exchange: Exchange | undefined;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const rawExchange = rest.slice(0, colon);
    const ex = rawExchange.toLowerCase();
    if (!EXCHANGE_SET.has(ex)) {
      return {
        ok: false,
        error: `unknown exchange '${rawExchange}' in '${input}': use one of ${EXCHANGES.join(', ')}, or drop '${rawExchange}:' for the aggregated stream`,
      };
    }
    exchange = ex as Exchange;
    rest = rest.slice(colon + 1);
  }
  const sym = parseMarket(rest);
  if (!sym.ok) return { ok: false, error: `${sym.error} (in stream '${input}')` };
  const stream: StreamName = { type: type as StreamType, exchange, symbol: sym.symbol };
  const name = formatStream(stream);
  return { ok: true, stream, name, requested: asked === type ? name : asked + name.slice(type.length) };
}

/** What ingest feeds the bus with: a stream outside it can never deliver. */
export interface StreamSources {
  readonly exchanges: readonly Exchange[];
  /** Canonical symbols, of any exchange. */
  readonly symbols: readonly string[];
  /** Each exchange's own symbols when they differ (Binance BTC/USDT, Kraken BTC/USD); else `symbols` for all. */
  readonly symbolsOf?: ReadonlyMap<Exchange, readonly string[]>;
  /**
   * With demand-driven ingest: the exchanges that would ingest a symbol outside `symbols` once a
   * client asks for it. Unset: only `symbols` are served.
   */
  readonly listedOn?: (symbol: string) => readonly Exchange[];
}

/**
 * Why `stream` can never deliver from `sources` (an exchange or symbol nothing ingests), or
 * undefined. `name` is how the error quotes the stream (the client's spelling).
 */
export function sourceRefusal(
  stream: StreamName,
  sources: StreamSources,
  name = formatStream(stream),
): string | undefined {
  if (stream.exchange !== undefined && !sources.exchanges.includes(stream.exchange)) {
    return `stream '${name}' has no source: this gateway ingests ${sources.exchanges.join(', ')}, not ${stream.exchange}; use '${stream.type}@${stream.symbol}' for the aggregated stream`;
  }
  if (sources.listedOn !== undefined) {
    const listing = sources.listedOn(stream.symbol).filter((e) => sources.exchanges.includes(e));
    if (stream.exchange === undefined ? listing.length > 0 : listing.includes(stream.exchange))
      return undefined;
    const where = stream.exchange ?? `any of ${sources.exchanges.join(', ')}`;
    return `stream '${name}' has no source: ${stream.symbol} is not listed on ${where}${listing.length > 0 ? ` (it is on ${listing.join(', ')}: use '${stream.type}@${stream.symbol}')` : ''}`;
  }
  if (!sources.symbols.includes(stream.symbol)) {
    return `stream '${name}' has no source: this gateway ingests ${sources.symbols.join(', ')}, not ${stream.symbol}`;
  }
  const own = stream.exchange === undefined ? undefined : sources.symbolsOf?.get(stream.exchange);
  if (own !== undefined && !own.includes(stream.symbol)) {
    return `stream '${name}' has no source: this gateway ingests ${own.join(', ')} from ${stream.exchange}, not ${stream.symbol}; use '${stream.type}@${stream.symbol}' for the aggregated stream`;
  }
  return undefined;
}

/** True for streams whose latest value is sent first on subscribe. */
export function isStatefulStream(name: string): boolean {
  const at = name.indexOf('@');
  return at !== -1 && STATEFUL_STREAM_TYPES.has(name.slice(0, at) as StreamType);
}
