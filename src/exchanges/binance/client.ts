/**
 * Binance Spot ingest, as a `FeedSpec` for the generic feed (src/ingest/venue-feed.ts): one
 * combined-stream connection (`<wsBase>/stream`), SUBSCRIBE/UNSUBSCRIBE of the streams below per
 * symbol, frames decoded by the codec, and the local book kept by Binance's rule (book-sync.ts).
 * Quotes and top-N books come from that validated book, never from `bookTicker` or partial depth.
 * Klines become `bar`s once, when they close (`x: true`): the normalized bar has no "still open"
 * flag, so in-progress pushes are not forwarded.
 */
import type { NormalizedMessage } from '../../core/types.js';
import type { ControlReply, FeedSpec } from '../../ingest/feed-spec.js';
import type { RateLimitOptions } from '../../ingest/rate-limiter.js';
import { createVenueFeed, type FeedOptions, type VenueFeed } from '../../ingest/venue-feed.js';
import { BINANCE_SNAPSHOT_RATE, binanceBookRule } from './book-sync.js';
import {
  binanceStreamName,
  controlReplyOf,
  decodeDepthUpdate,
  decodeKline,
  isDepthUpdate,
  isKline,
  normalizeBinanceEvent,
  parseBinanceFrame,
  type BinanceControlReply,
  type BinanceDepthDiff,
  type BinanceStreamKind,
} from './codec.js';
import { toBinanceSymbol, toCanonicalSymbol } from './symbols.js';

/** Streams subscribed per symbol (quotes are derived from the local book, not `bookTicker`). */
export const BINANCE_FEED_STREAMS: readonly BinanceStreamKind[] = [
  'trade',
  'depth@100ms',
  'ticker',
  'kline_1m',
];

/**
 * 5 incoming messages/s per connection (EXCHANGES.md 1.2), and `ws`'s automatic pongs count
 * too: burst 1 + 4/s keeps every one-second window at 5 or fewer of ours.
 */
export const BINANCE_RATE_LIMIT: RateLimitOptions = { perSecond: 4, burst: 1 };

export interface BinanceFeedOptions extends FeedOptions {
  /** `wss://stream.binance.com:9443` or a replay hub's `ws://127.0.0.1:3100/binance`. */
  readonly wsBaseUrl: string;
  /** `https://api.binance.com` or `http://127.0.0.1:3100/binance`. */
  readonly restBaseUrl: string;
  /** Outgoing message limit. Default `BINANCE_RATE_LIMIT`. */
  readonly rateLimit?: RateLimitOptions;
  /** REST depth `limit` for book snapshots. Default 1000. */
  readonly snapshotLimit?: number;
}

export interface BinanceFeed extends VenueFeed {
  readonly exchange: 'binance';
}

export function createBinanceFeed(opts: BinanceFeedOptions): BinanceFeed {
  return createVenueFeed(binanceFeedSpec(opts), opts);
}

export function binanceFeedSpec(
  opts: Pick<BinanceFeedOptions, 'wsBaseUrl' | 'restBaseUrl' | 'rateLimit' | 'snapshotLimit'>,
): FeedSpec<BinanceDepthDiff, BinanceStreamKind> & { readonly exchange: 'binance' } {
  return {
    exchange: 'binance',
    url: `${opts.wsBaseUrl.replace(/\/+$/, '')}/stream`,
    heartbeat: { kind: 'server' },
    rateLimit: opts.rateLimit ?? BINANCE_RATE_LIMIT,
    symbols: { toNative: toBinanceSymbol, toCanonical: toCanonicalSymbol },
    channels: BINANCE_FEED_STREAMS,
    // A connection holds at most 1024 streams; 200 params per SUBSCRIBE keeps each message small.
    requests: { maxPerMessage: 200, maxSubscriptions: 1024 },
    controlMessage: (op, subscriptions, id) =>
      JSON.stringify({
        method: op === 'subscribe' ? 'SUBSCRIBE' : 'UNSUBSCRIBE',
        params: subscriptions.map((s) => binanceStreamName(s.symbol, s.channel)),
        id,
      }),
    decode: binanceFrameDecoder(),
    book: {
      rule: binanceBookRule(opts),
      channel: 'depth@100ms',
      resyncRate: BINANCE_SNAPSHOT_RATE,
    },
  };
}

/** Diff depth to the book, control replies to the feed, every other event normalized. */
function binanceFrameDecoder(): FeedSpec<BinanceDepthDiff, BinanceStreamKind>['decode'] {
  const out: NormalizedMessage[] = [];
  return (frame, ts, sink) => {
    const env = parseBinanceFrame(frame);
    const data = env.data;
    if (isDepthUpdate(data)) {
      sink.book(decodeDepthUpdate(data, ts));
      return;
    }
    if (isKline(data)) {
      const kline = decodeKline(data, ts);
      if (kline.closed) sink.message(kline.bar);
      return;
    }
    const reply = controlReplyOf(data);
    if (reply !== undefined) {
      sink.reply(feedReply(reply));
      return;
    }
    out.length = 0;
    normalizeBinanceEvent(data, env.stream, ts, out);
    for (let i = 0; i < out.length; i++) sink.message(out[i]);
  };
}

function feedReply(reply: BinanceControlReply): ControlReply {
  const id = typeof reply.id === 'number' ? reply.id : undefined;
  return reply.kind === 'error' ? { ok: false, id, code: reply.code, message: reply.msg } : { ok: true, id };
}
