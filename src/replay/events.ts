import type { Exchange } from '../core/types.js';

/**
 * What a replay publisher hands the hub: one exchange-native event derived from the
 * recordings, at its place on the replay timeline. The hub keeps per-symbol state from
 * these and speaks each exchange's own protocol to consumers.
 *
 * `data` is the exchange's wire object: for Binance a `BinanceTradeEvent` (kind `trade`),
 * a `BinanceRestDepth` (kind `book_snapshot`, the first book of a run) or a
 * `BinanceDepthUpdateEvent` (kind `book_update`).
 */
export interface ReplayEvent {
  readonly exchange: Exchange;
  /** The exchange's own symbol spelling (`BTCUSDT`). */
  readonly symbol: string;
  /** Replay time of the event, ms since epoch (already shifted on `--loop`). */
  readonly ts: number;
  /** Books: a full snapshot, or a diff to apply to the book; `quote` (a top-of-book / NBBO quote) and `bar` (a minute bar) for venues that record them (Alpaca). */
  readonly kind: 'trade' | 'book_snapshot' | 'book_update' | 'quote' | 'bar';
  readonly data: unknown;
  /** The recorded response it came from (offsets name it); shared by every event of that response. */
  readonly origin?: EventOrigin;
  /**
   * On a `book_update`: the whole book after it, as a `book_snapshot` would carry it. A publisher
   * sends this instead of the diff when the consumer-facing book must be rebuilt (after a seek, a
   * restart or dropped increments).
   */
  readonly full?: unknown;
  /** The event already serialized as a link item (see link/link-wire.ts), when it was: text or its bytes. */
  readonly wire?: string | Buffer;
  /**
   * On a book event: the top of the book after it, when the source knows it (from `full`). A hub
   * that defers its book (see deferred-book.ts) answers top-of-book streams from it, unparsed.
   */
  readonly top?: BookTop;
  /**
   * `data` as JSON bytes, when the event came over the link: a venue that forwards an event as
   * the exchange sent it writes these, with no parse and no stringify (`data` parses on demand).
   */
  readonly raw?: Buffer;
  /** `full` as JSON bytes, when they came with the event (over the link, see link-wire.ts, or from the timeline cache). */
  readonly fullRaw?: Buffer;
}

/** The event's `data` as JSON text: its bytes when it came with them, else serialized. */
export function dataText(event: ReplayEvent): string {
  return event.raw === undefined ? JSON.stringify(event.data) : event.raw.toString('utf8');
}

/** Best bid price, its quantity, best ask price, its quantity: the exchange's own strings. */
export type BookTop = readonly [bid: string, bidQty: string, ask: string, askQty: string];

/**
 * The top of a whole book `{bids, asks}` whose sides are `[price, quantity, …]` arrays best first
 * (every venue's `full`); undefined when either side is empty or the shape is another.
 */
export function topOf(full: unknown): BookTop | undefined {
  if (typeof full !== 'object' || full === null) return undefined;
  const { bids, asks } = full as { bids?: unknown; asks?: unknown };
  const bid = Array.isArray(bids) ? (bids[0] as unknown) : undefined;
  const ask = Array.isArray(asks) ? (asks[0] as unknown) : undefined;
  if (!Array.isArray(bid) || !Array.isArray(ask)) return undefined;
  const [bp, bq] = bid as unknown[];
  const [ap, aq] = ask as unknown[];
  if (typeof bp !== 'string' || typeof bq !== 'string' || typeof ap !== 'string' || typeof aq !== 'string')
    return undefined;
  return [bp, bq, ap, aq];
}

/** `event` as the fresh snapshot of its book (a `book_update` with `full`); any other event as is. */
export function asSnapshot(event: ReplayEvent): ReplayEvent {
  if (event.kind !== 'book_update' || event.full === undefined) return event;
  const full = event.full;
  return {
    ...event,
    kind: 'book_snapshot',
    data: full,
    full: undefined,
    wire: undefined,
    raw: event.fullRaw,
    fullRaw: undefined,
    top: event.top ?? topOf(full),
  };
}

/** Where in the recordings an event comes from: the series (endpoint + symbol) and the line. */
export interface EventOrigin {
  /** Endpoint directory of the series (`api_v3_depth`); with the event's platform and stored symbol, its series. */
  readonly endpoint: string;
  /** The symbol as stored (the directory name; Kraken stores `BTC_USD` for `BTC/USD`). */
  readonly stored: string;
  readonly file: string;
  /** 1-based. */
  readonly lineNumber: number;
  /** Capture time (`ts`) of the recorded response. */
  readonly capturedAt: number;
}

/** The receiving end of a publisher: the hub, in-process or over a link. */
export interface ReplaySink {
  push(event: ReplayEvent): void;
  /** Replay time moved on with no event (quiet market): emit whatever is due by `ts`. */
  advanceTo?(ts: number): void;
  /** The publisher was seeked to `ts` (maybe back in time): the venue's clock starts again there. */
  seeked?(exchange: Exchange, ts: number): void;
  /**
   * Resolves once everything pushed so far has reached the hub (a link waits for its acks); an
   * in-process hub has it at once. Offsets are saved only for what was delivered.
   */
  delivered?(): Promise<void>;
  /**
   * Under the `rate-adaptive` policy: resolves when the sink can take more (undefined when it can
   * now). The publisher waits, and the replay clock slows to what the link carries.
   */
  backpressure?(): Promise<void> | undefined;
  /**
   * Resolves when a connected link's send buffer has room again (undefined when it has room now,
   * or the link is down). At `--speed max` the publisher waits on it: with no clock to keep up
   * with, filling the buffer past its bound would only drop messages.
   */
  room?(): Promise<void> | undefined;
}

/** One origin per recorded response, shared by the events made from it. */
export function originOf(
  endpoint: string,
  stored: string,
  file: string,
  lineNumber: number,
  capturedAt: number,
): EventOrigin {
  return { endpoint, stored, file, lineNumber, capturedAt };
}
