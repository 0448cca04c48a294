/**
 * OKX v5 public WebSocket ingest, as `FeedSpec`s for the generic feed (src/ingest/venue-feed.ts),
 * EXCHANGES.md §3. OKX serves candles on another URL than the market data, so the feed is two
 * connections grouped into one `Feed` (src/ingest/feed-group.ts):
 *
 * - `public`: `<wsBase>/ws/v5/public`, channels `trades`, `books` (400 levels, kept by the rule
 *   of book-rule.ts: continuity by `prevSeqId`, checksum of the top 25 on every message,
 *   resubscribe on a gap or mismatch) and `tickers`. Quotes and top-N books come from the book.
 * - `business`: `<wsBase>/ws/v5/business`, channel `candle1m`; each closed minute goes out once
 *   (the closing push, `confirm:"1"`, at most once per candle start, across reconnects).
 *
 * Both: `{"id":"<n>","op":"subscribe","args":[{"channel":…,"instId":…},…]}` with the id as text
 * (echoed on acks and errors [doc]); at most 50 args a request: OKX caps the total length of a
 * request's channels (4096 bytes in older docs, 64 KB now [doc, as client libraries quote it]),
 * and 50 spot args stay near 2.5 KB; 480 subscribe/unsubscribe requests per connection per hour
 * (240 in older docs) [doc], kept by the rate limit below; heartbeat: the text `ping` every 20 s,
 * answered by the text `pong` (OKX closes a connection after 30 s without traffic [doc]).
 */
import type { Bar } from '../../core/types.js';
import type { ControlOp, FeedSpec, FrameSink, Subscription } from '../../ingest/feed-spec.js';
import { createFeedGroup } from '../../ingest/feed-group.js';
import type { Heartbeat } from '../../ingest/connection.js';
import type { RateLimitOptions } from '../../ingest/rate-limiter.js';
import { createVenueFeed, type FeedOptions, type VenueFeed } from '../../ingest/venue-feed.js';
import { okxBookRule, type OkxBookEvent } from './book-rule.js';
import { decodeOkxFrame, type OkxDecoded } from './codec.js';
import { canonicalSymbolOf, instIdOf } from './symbols.js';
import type { OkxArg, OkxChannel, OkxRequest } from './wire.js';

export type OkxPublicFeedChannel = Extract<OkxChannel, 'trades' | 'books' | 'tickers'>;
export type OkxBusinessFeedChannel = Extract<OkxChannel, 'candle1m'>;

/** Channels per symbol on each connection, in this order. */
export const OKX_PUBLIC_FEED_CHANNELS: readonly OkxPublicFeedChannel[] = ['trades', 'books', 'tickers'];
export const OKX_BUSINESS_FEED_CHANNELS: readonly OkxBusinessFeedChannel[] = ['candle1m'];

/** Every 20 s: under OKX's 30 s idle cut; a pong missing for 10 s is a dead link. */
export const OKX_HEARTBEAT: Heartbeat = {
  kind: 'app',
  intervalMs: 20_000,
  pongTimeoutMs: 10_000,
  ping: () => 'ping',
  isPong: (frame) => frame === 'pong',
};

/**
 * 480 requests an hour a connection [doc]: a burst of 30, then 480/h. Pings pass the same bucket
 * (OKX does not count them [unconfirmed]), so fewer requests go than OKX would allow.
 */
export const OKX_RATE_LIMIT: RateLimitOptions = { perSecond: 480 / 3600, burst: 30 };

/** Args per subscribe request. */
export const OKX_ARGS_PER_REQUEST = 50;

export interface OkxFeedOptions extends FeedOptions {
  /** `wss://ws.okx.com:8443` live, or a replay hub's `ws://127.0.0.1:3100/okx`. */
  readonly wsBaseUrl: string;
  /** Subscribe `candle1m` on the business connection (default true). */
  readonly candles?: boolean;
}

export interface OkxFeed extends VenueFeed {
  readonly exchange: 'okx';
}

export function createOkxFeed(opts: OkxFeedOptions): OkxFeed {
  const parts = [{ name: 'public', feed: createVenueFeed(okxPublicFeedSpec(opts), opts) }];
  if (opts.candles ?? true)
    parts.push({ name: 'business', feed: createVenueFeed(okxBusinessFeedSpec(opts), opts) });
  return createFeedGroup('okx', parts, { maxQueued: opts.maxQueued, logger: opts.logger });
}

type OkxSpec<E extends OkxBookEvent, C extends OkxChannel> = FeedSpec<E, C> & { readonly exchange: 'okx' };

function baseSpec<C extends OkxChannel>(wsBaseUrl: string, path: string, channels: readonly C[]) {
  return {
    exchange: 'okx' as const,
    url: `${wsBaseUrl.replace(/\/+$/, '')}${path}`,
    heartbeat: OKX_HEARTBEAT,
    rateLimit: OKX_RATE_LIMIT,
    symbols: { toNative: instIdOf, toCanonical: canonicalSymbolOf },
    channels,
    requests: { maxPerMessage: OKX_ARGS_PER_REQUEST },
    controlMessage: (op: ControlOp, subs: readonly Subscription<C>[], id: number) =>
      okxControlMessage(op, subs, id),
  };
}

export function okxPublicFeedSpec(
  opts: Pick<OkxFeedOptions, 'wsBaseUrl'>,
): OkxSpec<OkxBookEvent, OkxPublicFeedChannel> {
  return {
    ...baseSpec(opts.wsBaseUrl, '/ws/v5/public', OKX_PUBLIC_FEED_CHANNELS),
    decode: okxFrameDecoder(),
    book: { rule: okxBookRule(), channel: 'books' },
  };
}

export function okxBusinessFeedSpec(
  opts: Pick<OkxFeedOptions, 'wsBaseUrl'>,
): OkxSpec<OkxBookEvent, OkxBusinessFeedChannel> {
  return {
    ...baseSpec(opts.wsBaseUrl, '/ws/v5/business', OKX_BUSINESS_FEED_CHANNELS),
    decode: okxFrameDecoder(),
  };
}

/** `{"id":"7","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},…]}`. */
export function okxControlMessage<C extends OkxChannel>(
  op: ControlOp,
  subscriptions: readonly Subscription<C>[],
  id: number,
): string {
  const args: OkxArg[] = subscriptions.map((s) => ({ channel: s.channel, instId: s.native }));
  const request: OkxRequest = { id: String(id), op, args };
  return JSON.stringify(request);
}

/** Book events to the book sync, replies to the feed, closed candles once each, notices as statuses. */
function okxFrameDecoder(): FeedSpec<OkxBookEvent, OkxChannel>['decode'] {
  const out: OkxDecoded[] = [];
  const lastClosed = new Map<string, number>();
  return (frame, ts, sink) => {
    out.length = 0;
    decodeOkxFrame(frame, ts, out);
    for (let i = 0; i < out.length; i++) route(out[i], ts, sink, lastClosed);
  };
}

function route(
  d: OkxDecoded,
  ts: number,
  sink: FrameSink<OkxBookEvent>,
  lastClosed: Map<string, number>,
): void {
  switch (d.type) {
    case 'book':
      sink.book(d.event);
      return;
    case 'reply':
      sink.reply(d.reply);
      return;
    case 'bar':
      if (closedOnce(d, lastClosed)) sink.message(d);
      return;
    case 'notice':
      for (const symbol of sink.subscribed()) {
        sink.message({
          type: 'status',
          exchange: 'okx',
          symbol,
          timestamp: ts,
          localTimestamp: ts,
          state: 'connected',
          reason: `okx notice ${d.code}: ${d.message}`,
        });
      }
      return;
    case 'pong':
      return; // taken by the connection's heartbeat
    default:
      sink.message(d);
  }
}

/** True the first time a candle start closes for the symbol (a repeated or older close is dropped). */
function closedOnce(bar: Bar, lastClosed: Map<string, number>): boolean {
  const last = lastClosed.get(bar.symbol);
  if (last !== undefined && bar.timestamp <= last) return false;
  lastClosed.set(bar.symbol, bar.timestamp);
  return true;
}
