/**
 * The OKX hub's fan-out channels: one per (v5 channel, instId), so each push is built once for
 * every subscriber, and which WebSocket path serves each v5 channel (`candle1m` is on
 * `/ws/v5/business`, the rest on `/ws/v5/public`, as OKX splits them [doc]).
 */
import type { StreamType } from '../../net/stream-type.js';
import { OKX_BUSINESS_CHANNELS, OKX_PUBLIC_CHANNELS, type OkxChannel } from './wire.js';

/** The two WebSocket services the hub mounts. */
export type OkxService = 'public' | 'business';

/** Sub-paths (below the venue prefix) of the two services. */
export const OKX_WS_PATHS: Readonly<Record<OkxService, string>> = {
  public: '/ws/v5/public',
  business: '/ws/v5/business',
};

/** The service of a sub-path, undefined for any other path (a trailing `/` is accepted). */
export function serviceOfPath(subPath: string): OkxService | undefined {
  const path = subPath.endsWith('/') ? subPath.slice(0, -1) : subPath;
  if (path === OKX_WS_PATHS.public) return 'public';
  if (path === OKX_WS_PATHS.business) return 'business';
  return undefined;
}

/** Where a channel name is served: undefined for a name the hub does not know. */
export function serviceOfChannel(channel: string): OkxService | undefined {
  if ((OKX_PUBLIC_CHANNELS as readonly string[]).includes(channel)) return 'public';
  if ((OKX_BUSINESS_CHANNELS as readonly string[]).includes(channel)) return 'business';
  return undefined;
}

/** The fan-out channel of one subscription. */
export function fanoutChannel(channel: OkxChannel, instId: string): string {
  return `${channel}:${instId}`;
}

const OKX_STREAM_TYPES: Readonly<Record<OkxChannel, StreamType>> = {
  trades: 'trade',
  books: 'book',
  books5: 'book',
  'bbo-tbt': 'quote',
  tickers: 'ticker',
  candle1m: 'bar',
};

/** The `/metrics` stream type of a fan-out channel made by {@link fanoutChannel}. */
export function okxStreamType(channel: string): StreamType {
  const name = channel.slice(0, channel.indexOf(':'));
  return (OKX_STREAM_TYPES as Readonly<Record<string, StreamType | undefined>>)[name] ?? 'other';
}
