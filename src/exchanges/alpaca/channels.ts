/**
 * The Alpaca hub's fan-out channels: one per (encoding, feed scope, message type, symbol), so a
 * message is encoded once per encoding for every subscriber, and a flush's messages of one
 * channel leave as one array frame. A subscription to `*` joins the type's `*` channel (every
 * symbol) instead of the per-symbol ones.
 *
 * Feed scopes: `iex`, `sip` and `delayed_sip` serve the same replayed data (one recording; the
 * SIP delay of `delayed_sip` is not modelled) — scope `live`; `test` serves only `FAKEPACA` [doc]
 * — scope `test`, where `FAKEPACA` and `*` are the same channel.
 */
import type { StreamType } from '../../net/stream-type.js';
import type { AlpacaEncoding } from './encoder.js';
import { ALPACA_FEEDS, type AlpacaChannel, type AlpacaFeed } from './wire.js';

/** The one symbol of the `test` feed [doc]. */
export const FAKEPACA = 'FAKEPACA';

export type FeedScope = 'live' | 'test';

/** Stream message type of each subscription list [doc]. */
export const MESSAGE_TYPE: Readonly<Record<AlpacaChannel, AlpacaDataType>> = {
  trades: 't',
  quotes: 'q',
  bars: 'b',
  updatedBars: 'u',
  dailyBars: 'd',
  statuses: 's',
};

export type AlpacaDataType = 't' | 'q' | 'b' | 'u' | 'd' | 's';

export function scopeOf(feed: AlpacaFeed): FeedScope {
  return feed === 'test' ? 'test' : 'live';
}

/** The feed of a stream sub-path (`/v2/iex`), or undefined. */
export function feedOfPath(subPath: string): AlpacaFeed | undefined {
  const m = /^\/v2\/([a-z_]+)$/.exec(subPath);
  if (m === null) return undefined;
  return ALPACA_FEEDS.find((f) => f === m[1]);
}

export function fanoutChannel(
  encoding: AlpacaEncoding,
  scope: FeedScope,
  type: AlpacaDataType,
  symbol: string,
): string {
  return `${encoding}|${scope}|${type}|${symbol}`;
}

/** The encoding a channel name carries (for its joiner); undefined for a name not made here. */
export function encodingOfChannel(name: string): AlpacaEncoding | undefined {
  const head = name.slice(0, name.indexOf('|'));
  return head === 'json' || head === 'msgpack' ? head : undefined;
}

/** The channels a session with `lists` on `scope` belongs to. */
export function channelsOf(
  encoding: AlpacaEncoding,
  scope: FeedScope,
  lists: ReadonlyMap<AlpacaChannel, ReadonlySet<string>>,
): Set<string> {
  const out = new Set<string>();
  for (const [list, symbols] of lists) {
    const type = MESSAGE_TYPE[list];
    if (scope === 'test') {
      if (symbols.has('*') || symbols.has(FAKEPACA)) out.add(fanoutChannel(encoding, scope, type, FAKEPACA));
    } else if (symbols.has('*')) {
      out.add(fanoutChannel(encoding, scope, type, '*'));
    } else {
      for (const sym of symbols) out.add(fanoutChannel(encoding, scope, type, sym));
    }
  }
  return out;
}

const ALPACA_STREAM_TYPES: Readonly<Record<AlpacaDataType, StreamType>> = {
  t: 'trade',
  q: 'quote',
  b: 'bar',
  u: 'bar',
  d: 'bar',
  s: 'status',
};

/** The `/metrics` stream type of a fan-out channel made by {@link fanoutChannel}. */
export function alpacaStreamType(channel: string): StreamType {
  const parts = channel.split('|');
  const type = parts.length === 4 ? parts[2] : '';
  return (ALPACA_STREAM_TYPES as Readonly<Record<string, StreamType | undefined>>)[type] ?? 'other';
}
