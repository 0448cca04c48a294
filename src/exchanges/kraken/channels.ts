/**
 * What one v2 subscription is, once its params are checked, and the hub fan-out channel that
 * carries it: one channel per (channel, symbol) and option that changes the frames (book depth,
 * ticker trigger, candle interval), so every frame is built once for all its subscribers.
 */
import type { StreamType } from '../../net/stream-type.js';
import type { KrakenAckResult, KrakenBookDepth, KrakenEventTrigger, KrakenOhlcInterval } from './wire.js';

export type KrakenSubscription =
  | { readonly channel: 'book'; readonly symbol: string; readonly depth: KrakenBookDepth }
  | { readonly channel: 'trade'; readonly symbol: string }
  | { readonly channel: 'ticker'; readonly symbol: string; readonly trigger: KrakenEventTrigger }
  | { readonly channel: 'ohlc'; readonly symbol: string; readonly interval: KrakenOhlcInterval };

export function bookChannel(symbol: string, depth: KrakenBookDepth): string {
  return `book:${symbol}:${depth}`;
}

export function tradeChannel(symbol: string): string {
  return `trade:${symbol}`;
}

export function tickerChannel(symbol: string, trigger: KrakenEventTrigger): string {
  return `ticker:${symbol}:${trigger}`;
}

export function ohlcChannel(symbol: string, interval: KrakenOhlcInterval): string {
  return `ohlc:${symbol}:${interval}`;
}

export function channelOf(sub: KrakenSubscription): string {
  switch (sub.channel) {
    case 'book':
      return bookChannel(sub.symbol, sub.depth);
    case 'trade':
      return tradeChannel(sub.symbol);
    case 'ticker':
      return tickerChannel(sub.symbol, sub.trigger);
    case 'ohlc':
      return ohlcChannel(sub.symbol, sub.interval);
  }
}

/** Sent with every ohlc subscribe ack [capture]. */
const OHLC_WARNINGS = ['timestamp is deprecated, use interval_begin'];

/** The `result` of an ack: the subscription's own params; `snapshot` only on subscribe acks. */
export function ackResult(sub: KrakenSubscription, snapshot: boolean | undefined): KrakenAckResult {
  switch (sub.channel) {
    case 'book':
      return { channel: 'book', depth: sub.depth, snapshot, symbol: sub.symbol };
    case 'trade':
      return { channel: 'trade', snapshot, symbol: sub.symbol };
    case 'ticker':
      return { channel: 'ticker', event_trigger: sub.trigger, snapshot, symbol: sub.symbol };
    case 'ohlc':
      return {
        channel: 'ohlc',
        interval: sub.interval,
        snapshot,
        symbol: sub.symbol,
        warnings: snapshot === undefined ? undefined : OHLC_WARNINGS,
      };
  }
}

/** The `/metrics` stream type of a fan-out channel made by {@link channelOf}. */
export function krakenStreamType(channel: string): StreamType {
  const head = channel.slice(0, channel.indexOf(':'));
  switch (head) {
    case 'book':
      return 'book';
    case 'trade':
      return 'trade';
    case 'ticker':
      return 'ticker';
    case 'ohlc':
      return 'bar';
    default:
      return 'other';
  }
}
