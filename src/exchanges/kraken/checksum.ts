/**
 * Kraken's order book checksum (docs.kraken.com "Book checksum (WebSocket v2)"): the 10 best
 * asks (price ascending) then the 10 best bids (price descending), each level written as price
 * text then quantity text, `.` removed and leading zeros stripped, concatenated and CRC32'd
 * (zlib/IEEE, unsigned). Only the top 10 count, whatever the subscribed depth.
 *
 * v2 sends numbers written with the pair's fixed precision, so its text is the number formatted
 * with `pair_decimals` / `lot_decimals` (`krakenBookChecksum`). v1 sends the strings themselves,
 * and a replayer that holds exact text can checksum that directly (`krakenTextChecksum`).
 */
import { crc32 } from 'node:zlib';
import type { Level } from '../../core/types.js';
import { numberToWireText } from './wire-format.js';

/** Levels the checksum covers on each side. */
export const CHECKSUM_LEVELS = 10;

/** Price and quantity decimals of a pair (AssetPairs `pair_decimals`, `lot_decimals`). */
export interface KrakenPrecision {
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
}

/** A level as exact decimal text: `[price, qty]`. */
export type TextLevel = readonly [price: string, qty: string];

/** `"0.00100000"` → `"100000"`, `"45285.2"` → `"452852"`. */
export function checksumToken(text: string): string {
  let start = 0;
  while (start < text.length) {
    const c = text.charCodeAt(start);
    if (c !== 48 /* 0 */ && c !== 46 /* . */) break;
    start++;
  }
  const dot = text.indexOf('.', start);
  return dot === -1 ? text.slice(start) : text.slice(start, dot) + text.slice(dot + 1);
}

/**
 * The v2 checksum of a book held as numbers, sides best first. Throws DecodeError when a value
 * needs more decimals than `precision` allows: the checksum could not match.
 */
export function krakenBookChecksum(
  asks: readonly Level[],
  bids: readonly Level[],
  precision: KrakenPrecision,
): number {
  let text = '';
  text = appendNumeric(text, asks, precision, 'ask');
  text = appendNumeric(text, bids, precision, 'bid');
  return crc32(text);
}

/** The checksum of a book held as the exact text Kraken sent (v1), sides best first. */
export function krakenTextChecksum(asks: readonly TextLevel[], bids: readonly TextLevel[]): number {
  let text = '';
  text = appendText(text, asks);
  text = appendText(text, bids);
  return crc32(text);
}

function appendNumeric(
  text: string,
  levels: readonly Level[],
  precision: KrakenPrecision,
  side: string,
): string {
  const n = Math.min(CHECKSUM_LEVELS, levels.length);
  for (let i = 0; i < n; i++) {
    const level = levels[i];
    text += checksumToken(numberToWireText(level[0], precision.priceDecimals, `${side} ${i} price`));
    text += checksumToken(numberToWireText(level[1], precision.qtyDecimals, `${side} ${i} qty`));
  }
  return text;
}

function appendText(text: string, levels: readonly TextLevel[]): string {
  const n = Math.min(CHECKSUM_LEVELS, levels.length);
  for (let i = 0; i < n; i++) text += checksumToken(levels[i][0]) + checksumToken(levels[i][1]);
  return text;
}
