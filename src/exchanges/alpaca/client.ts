/**
 * Alpaca Market Data v2 stream ingest, as a `FeedSpec` for the generic feed
 * (src/ingest/venue-feed.ts), EXCHANGES.md §4: one connection to `<wsBase>/v2/<feed>`, the
 * `auth` message as the connection's login, then one subscribe message naming `trades`, `quotes`
 * and `bars` lists; after a reconnect the login and the subscriptions are sent again.
 *
 * No book: Alpaca streams no depth. Quotes are the `q` messages as sent (the NBBO on `sip`), which
 * the generic feed passes through because this spec has no book rule.
 *
 * The venue's verdicts [doc: codes and texts; the reactions are this client's]:
 * - 402 auth failed (and 409 insufficient subscription while logging in: the feed is not in the
 *   plan [doc: "an error during authentication"]) → no retry; the status says what to set.
 * - 406 connection limit exceeded → retry after the backoff plus `connectionLimitWaitMs`.
 * - 404 auth timeout, 407 slow client → reconnect.
 * - 405 symbol limit, 409 insufficient subscription, 410 invalid subscribe action → a rejected
 *   request, logged with the feed and the symbols, counted in `rejectedRequests`; others
 *   (400, 401, 403, 500) likewise.
 * Heartbeat: a WebSocket ping every 10 s, the pong due within 5 s (as Alpaca's SDKs [doc]). The
 * silence timeout is off by default: a quiet symbol or a closed market sends nothing for hours.
 */
import { DecodeError } from '../../core/errors.js';
import type { ConnectionAuth, Heartbeat } from '../../ingest/connection.js';
import type { ControlOp, FeedSpec, FrameSink, Subscription, SymbolMap } from '../../ingest/feed-spec.js';
import { createVenueFeed, type FeedOptions, type VenueFeed } from '../../ingest/venue-feed.js';
import type { BookEvent } from '../../book/book-rule.js';
import { decodeAlpacaFrame, type AlpacaDecoded } from './codec.js';
import type { AlpacaCredentials } from './credentials.js';
import type { AlpacaChannel, AlpacaFeed, AlpacaSubscribeRequest } from './wire.js';

export type AlpacaFeedChannel = Extract<AlpacaChannel, 'trades' | 'quotes' | 'bars'>;

/** Channels subscribed per symbol, in this order. */
export const ALPACA_FEED_CHANNELS: readonly AlpacaFeedChannel[] = ['trades', 'quotes', 'bars'];

export const ALPACA_HEARTBEAT: Heartbeat = { kind: 'protocol', intervalMs: 10_000, pongTimeoutMs: 5000 };

/** Extra wait after a 406: the connection holding the slot has to go first [unconfirmed: Alpaca names no delay]. */
export const ALPACA_CONNECTION_LIMIT_WAIT_MS = 30_000;

/** (symbol, channel) pairs per subscribe message: 100 symbols; Alpaca documents no limit. */
const PAIRS_PER_MESSAGE = 300;

export interface AlpacaFeedOptions extends FeedOptions {
  /** `wss://stream.data.alpaca.markets` or a replay hub's `ws://127.0.0.1:3100/alpaca`; the feed opens `<base>/v2/<feed>`. */
  readonly wsBaseUrl: string;
  readonly feed: AlpacaFeed;
  readonly credentials: AlpacaCredentials;
  /** Added to the backoff after a 406 connection limit. Default 30000. */
  readonly connectionLimitWaitMs?: number;
}

export interface AlpacaStreamFeed extends VenueFeed {
  readonly exchange: 'alpaca';
}

export function createAlpacaFeed(opts: AlpacaFeedOptions): AlpacaStreamFeed {
  return createVenueFeed(alpacaFeedSpec(opts), { ...opts, staleAfterMs: opts.staleAfterMs ?? 0 });
}

/** Ticker symbols as Alpaca spells them (`AAPL`, `BRK.B`); canonical = native. */
export const ALPACA_SYMBOLS: SymbolMap = {
  toNative: (symbol) => tickerOf(symbol.toUpperCase()),
  toCanonical: (native) => tickerOf(native),
};

const TICKER = /^[A-Z][A-Z0-9.]{0,15}$/;

function tickerOf(s: string): string {
  if (TICKER.test(s)) return s;
  throw new RangeError(
    `alpaca: ${JSON.stringify(s)} is not a stock ticker (letters, digits and dots, e.g. AAPL, BRK.B)`,
  );
}

export function alpacaFeedSpec(
  opts: Pick<AlpacaFeedOptions, 'wsBaseUrl' | 'feed' | 'credentials' | 'connectionLimitWaitMs'>,
): FeedSpec<BookEvent, AlpacaFeedChannel> & { readonly exchange: 'alpaca' } {
  const verdicts = new Verdicts(opts.feed, opts.connectionLimitWaitMs ?? ALPACA_CONNECTION_LIMIT_WAIT_MS);
  return {
    exchange: 'alpaca',
    url: `${opts.wsBaseUrl.replace(/\/+$/, '')}/v2/${opts.feed}`,
    heartbeat: ALPACA_HEARTBEAT,
    auth: alpacaAuth(opts.credentials, verdicts),
    symbols: ALPACA_SYMBOLS,
    channels: ALPACA_FEED_CHANNELS,
    requests: { maxPerMessage: PAIRS_PER_MESSAGE },
    controlMessage: (op, subscriptions) => alpacaControlMessage(op, subscriptions),
    decode: alpacaFrameDecoder(verdicts),
  };
}

/** `{"action":"subscribe","trades":["AAPL"],"quotes":["AAPL"],"bars":["AAPL"]}`: one list per channel named. */
export function alpacaControlMessage(
  op: ControlOp,
  subscriptions: readonly Subscription<AlpacaFeedChannel>[],
): string {
  const request: AlpacaSubscribeRequest = { action: op };
  for (const s of subscriptions) (request[s.channel] ??= []).push(s.native);
  return JSON.stringify(request);
}

/** What each error code means for the link, and the words a status or log line uses for it. */
class Verdicts {
  constructor(
    readonly feed: AlpacaFeed,
    readonly connectionLimitWaitMs: number,
  ) {}

  authFailed(code: number, message: string): string {
    return (
      `alpaca ${code} ${message}: the API key and secret were refused; set alpacaKey and alpacaSecret ` +
      '(TICKSTREAM_ALPACA_KEY, TICKSTREAM_ALPACA_SECRET) or APCA_API_KEY_ID and APCA_API_SECRET_KEY'
    );
  }

  feedNotInPlan(code: number, message: string): string {
    return `alpaca ${code} ${message}: feed ${this.feed} is not in this account's plan; set alpacaFeed (iex is free)`;
  }

  connectionLimit(code: number, message: string): string {
    return (
      `alpaca ${code} ${message}: another connection holds this key's slot on feed ${this.feed}; ` +
      `retrying in ${this.connectionLimitWaitMs} ms or more`
    );
  }
}

function alpacaAuth(credentials: AlpacaCredentials, verdicts: Verdicts): ConnectionAuth {
  const out: AlpacaDecoded[] = [];
  return {
    request: () => credentials.authMessage(),
    check: (frame) => {
      out.length = 0;
      try {
        decodeAlpacaFrame(frame, 0, out);
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
      for (const d of out) {
        if (d.type === 'authenticated') return 'ok';
        if (d.type !== 'error') continue;
        if (d.code === 402) return { rejected: verdicts.authFailed(d.code, d.message), retry: 'stop' };
        if (d.code === 409) return { rejected: verdicts.feedNotInPlan(d.code, d.message), retry: 'stop' };
        if (d.code === 406) {
          const afterMs = verdicts.connectionLimitWaitMs;
          return { rejected: verdicts.connectionLimit(d.code, d.message), retry: { afterMs } };
        }
        return { rejected: `alpaca ${d.code} ${d.message}` };
      }
      return 'pending'; // `connected` comes first
    },
  };
}

function alpacaFrameDecoder(verdicts: Verdicts): FeedSpec<BookEvent, AlpacaFeedChannel>['decode'] {
  const out: AlpacaDecoded[] = [];
  return (frame, ts, sink) => {
    out.length = 0;
    try {
      decodeAlpacaFrame(frame, ts, out);
    } finally {
      // The good messages of a frame with a bad one still go out; the DecodeError is counted after.
      for (let i = 0; i < out.length; i++) route(out[i], sink, verdicts);
    }
  };
}

function route(d: AlpacaDecoded, sink: FrameSink<BookEvent>, verdicts: Verdicts): void {
  switch (d.type) {
    case 'trade':
    case 'quote':
    case 'bar':
      sink.message(d);
      return;
    case 'subscription':
      sink.reply({ ok: true, id: undefined });
      return;
    case 'error':
      onError(d.code, d.message, sink, verdicts);
      return;
    default:
      return; // connected / authenticated: taken by the connection's login
  }
}

function onError(code: number, message: string, sink: FrameSink<BookEvent>, verdicts: Verdicts): void {
  switch (code) {
    case 402:
      sink.disconnect(verdicts.authFailed(code, message), 'stop');
      return;
    case 406:
      sink.disconnect(verdicts.connectionLimit(code, message), { afterMs: verdicts.connectionLimitWaitMs });
      return;
    case 404:
    case 407:
      sink.disconnect(`alpaca ${code} ${message}; reconnecting`, 'backoff');
      return;
    default: {
      const symbols = sink.subscribed();
      const shown = symbols.length <= 20 ? symbols.join(', ') : `${symbols.slice(0, 20).join(', ')}, …`;
      const hint = code === 405 ? '; the free iex plan allows 30 symbols' : '';
      sink.reply({
        ok: false,
        id: undefined,
        code,
        message: `${message} (feed ${verdicts.feed}; ${symbols.length} symbols subscribed: ${shown})${hint}`,
      });
    }
  }
}
