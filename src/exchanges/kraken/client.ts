/**
 * Kraken Spot WebSocket v2 ingest, as a `FeedSpec` for the generic feed (src/ingest/venue-feed.ts):
 * one connection to `<wsBase>/v2`, a subscribe / unsubscribe message per channel with a symbol
 * list and `req_id` (EXCHANGES.md §2.2), Kraken's application ping for the heartbeat, frames
 * decoded by the codec, and the local book kept by Kraken's rule (book-rule.ts): every book
 * message checksum-validated, a mismatch logged, counted and resynced by resubscribing.
 *
 * Channels per symbol: `trade`, `book` at the smallest depth that holds the published levels
 * (25 for the default 20), `ticker` and `ohlc` of 1 minute. Quotes and top-N books come from the
 * validated local book. Trade and candle snapshots are read as stream-resume.ts says, so each
 * trade and each closed minute goes out once, across reconnects.
 */
import type { Bar, Trade } from '../../core/types.js';
import type { ControlOp, FeedSpec, FrameSink, Subscription } from '../../ingest/feed-spec.js';
import { createVenueFeed, type FeedOptions, type VenueFeed } from '../../ingest/venue-feed.js';
import { krakenBookDepthFor, krakenBookRule, type KrakenBookEvent } from './book-rule.js';
import {
  decodeKrakenFrameInto,
  krakenPingRequest,
  systemStatusMessages,
  type KrakenBookChange,
  type KrakenDecoded,
} from './codec.js';
import { KrakenClosedBars, KrakenTradeResume } from './stream-resume.js';
import { KRAKEN_PAIRS, type KrakenPairs } from './symbols.js';
import type { KrakenBookDepth, KrakenChannel, KrakenChannelParams } from './wire.js';

/** Channels subscribed per symbol, in this order. */
export const KRAKEN_FEED_CHANNELS: readonly KrakenChannel[] = ['trade', 'book', 'ticker', 'ohlc'];

/**
 * Kraken answers `{"method":"ping"}` with a pong and documents no other keep-alive for a client;
 * its heartbeat frame comes each second anyway, so a pong missing for 10 s is a dead link.
 */
const PING_INTERVAL_MS = 15_000;
const PONG_TIMEOUT_MS = 10_000;
/** Method responses put `method` first (keys in alphabetical order [capture], wire.ts). */
const PONG_PREFIX = '{"method":"pong"';

/** Symbols per subscribe message; Kraken documents no limit, and acks each symbol separately. */
const SYMBOLS_PER_MESSAGE = 50;

export interface KrakenFeedOptions extends FeedOptions {
  /** `wss://ws.kraken.com` or a replay hub's `ws://127.0.0.1:3100/kraken`; the feed opens `<base>/v2`. */
  readonly wsBaseUrl: string;
  /** Pair names and precisions (default: the built-in BTC/USD and ETH/USD); an unknown pair is refused. */
  readonly pairs?: KrakenPairs;
}

export interface KrakenFeed extends VenueFeed {
  readonly exchange: 'kraken';
}

export function createKrakenFeed(opts: KrakenFeedOptions): KrakenFeed {
  return createVenueFeed(krakenFeedSpec(opts), opts);
}

export function krakenFeedSpec(
  opts: Pick<KrakenFeedOptions, 'wsBaseUrl' | 'pairs' | 'bookDepth'>,
): FeedSpec<KrakenBookEvent, KrakenChannel> & { readonly exchange: 'kraken' } {
  const pairs = opts.pairs ?? KRAKEN_PAIRS;
  const depth = krakenBookDepthFor(opts.bookDepth ?? 20);
  return {
    exchange: 'kraken',
    url: `${opts.wsBaseUrl.replace(/\/+$/, '')}/v2`,
    heartbeat: {
      kind: 'app',
      intervalMs: PING_INTERVAL_MS,
      pongTimeoutMs: PONG_TIMEOUT_MS,
      ping: () => krakenPingRequest(),
      isPong: (frame) => frame.startsWith(PONG_PREFIX),
    },
    symbols: {
      toNative: (canonical) => pairs.get(canonical).symbol,
      toCanonical: (native) => pairs.get(native).symbol,
    },
    channels: KRAKEN_FEED_CHANNELS,
    requests: { maxPerMessage: SYMBOLS_PER_MESSAGE, oneChannelPerMessage: true },
    controlMessage: (op, subscriptions, id) => controlMessage(op, subscriptions, id, depth),
    decode: krakenFrameDecoder(),
    book: { rule: krakenBookRule(pairs, depth), channel: 'book' },
  };
}

/** `{"method":"subscribe","params":{"channel":…,"symbol":[…],…},"req_id":…}`; unsubscribe names the same params. */
function controlMessage(
  op: ControlOp,
  subscriptions: readonly Subscription<KrakenChannel>[],
  id: number,
  depth: KrakenBookDepth,
): string {
  const symbol = subscriptions.map((s) => s.native);
  const channel = subscriptions[0].channel;
  let params: KrakenChannelParams;
  if (channel === 'book') params = { channel, symbol, depth };
  else if (channel === 'ohlc') params = { channel, symbol, interval: 1 };
  else params = { channel, symbol };
  return JSON.stringify({ method: op, params, req_id: id });
}

/** Book messages to the book sync, acks to the feed, trades and candles through their resume rules. */
function krakenFrameDecoder(): FeedSpec<KrakenBookEvent, KrakenChannel>['decode'] {
  const out: KrakenDecoded[] = [];
  const trades = new KrakenTradeResume();
  const bars = new KrakenClosedBars();
  return (frame, ts, sink) => {
    out.length = 0;
    const isSnapshot = decodeKrakenFrameInto(frame, ts, out) === 'snapshot';
    if (out.length === 0) return;
    // One frame is one channel's: its entries are all of one kind.
    const kind = out[0].type;
    if (kind === 'trade') trades.frame(out as Trade[], isSnapshot, sink);
    else if (kind === 'bar') bars.frame(out as Bar[], isSnapshot, sink);
    else for (let i = 0; i < out.length; i++) route(out[i], sink);
  };
}

function route(d: KrakenDecoded, sink: FrameSink<KrakenBookEvent>): void {
  switch (d.type) {
    case 'book_change':
      sink.book(bookEvent(d));
      return;
    case 'ticker':
      sink.message(d);
      return;
    case 'ack':
      sink.reply({ ok: true, id: d.reqId });
      return;
    case 'ack_error': {
      // Kraken's own texts name the pair (`Currency pair not supported XBT/USD`); others do not.
      const named = d.symbol === undefined || d.error.includes(d.symbol);
      sink.reply({ ok: false, id: d.reqId, message: named ? d.error : `${d.error}: ${d.symbol}` });
      return;
    }
    case 'system_status': {
      const statuses = systemStatusMessages(d, sink.subscribed());
      for (let i = 0; i < statuses.length; i++) sink.message(statuses[i]);
      return;
    }
    default:
      return; // heartbeat (pongs are taken by the connection)
  }
}

/** The normalized change without Kraken's checksum field (it goes on the bus as is), beside the checksum. */
function bookEvent(d: KrakenBookChange): KrakenBookEvent {
  return {
    change: {
      type: 'book_change',
      exchange: 'kraken',
      symbol: d.symbol,
      timestamp: d.timestamp,
      localTimestamp: d.localTimestamp,
      bids: d.bids,
      asks: d.asks,
      sequence: d.sequence,
      isSnapshot: d.isSnapshot,
    },
    checksum: d.checksum,
  };
}
