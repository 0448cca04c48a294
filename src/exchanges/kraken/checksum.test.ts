import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../book/order-book.js';
import { DecodeError } from '../../core/errors.js';
import type { Level } from '../../core/types.js';
import { checksumToken, krakenBookChecksum, krakenTextChecksum, type TextLevel } from './checksum.js';
import type { KrakenBookMessage } from './wire.js';

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
}

const BTC_USD = { priceDecimals: 1, qtyDecimals: 8 };

describe('checksumToken', () => {
  it('removes the point and the leading zeros, and nothing else', () => {
    expect(checksumToken('45285.2')).toBe('452852');
    expect(checksumToken('0.00100000')).toBe('100000');
    expect(checksumToken('0.000022900')).toBe('22900');
    expect(checksumToken('100.50')).toBe('10050');
    expect(checksumToken('1500')).toBe('1500');
  });
});

describe('krakenBookChecksum (v2) on Kraken’s documented snapshot', () => {
  const message = JSON.parse(fixture('book-v2-doc-snapshot.json')) as KrakenBookMessage;
  const book = message.data[0];
  const levels = (side: typeof book.asks): Level[] => side.map((l) => [l.price, l.qty]);

  it('reproduces 3310070434 from the parsed numbers and BTC/USD precisions', () => {
    expect(book.checksum).toBe(3310070434);
    expect(krakenBookChecksum(levels(book.asks), levels(book.bids), BTC_USD)).toBe(3310070434);
  });

  it('covers the top 10 only: deeper levels change nothing, a top level does', () => {
    const asks = [...levels(book.asks), [45300.1, 9.5] as const];
    expect(krakenBookChecksum(asks, levels(book.bids), BTC_USD)).toBe(3310070434);
    const bids = levels(book.bids);
    bids[9] = [bids[9][0], 0.15445239];
    expect(krakenBookChecksum(levels(book.asks), bids, BTC_USD)).not.toBe(3310070434);
  });

  it('refuses a value that the pair precision cannot write, naming it', () => {
    const asks = levels(book.asks);
    asks[0] = [45285.25, asks[0][1]];
    expect(() => krakenBookChecksum(asks, levels(book.bids), BTC_USD)).toThrow(DecodeError);
    expect(() => krakenBookChecksum(asks, levels(book.bids), BTC_USD)).toThrow(/ask 0 price 45285\.25/);
  });
});

/** A v1 book frame: `[channelID, {as,bs} | {a}/{b}… (, {b,c}), "book-1000", pair]`. */
type V1Side = [price: string, volume: string, time: string, republish?: 'r'][];
type V1Part = { as?: V1Side; bs?: V1Side; a?: V1Side; b?: V1Side; c?: string };

/**
 * Replays every frame of the real v1 depth-1000 capture the documented way (snapshot, then each
 * update: apply all its levels, volume 0 deletes, truncate to the subscribed depth) and returns
 * the checksum Kraken sent beside the one recomputed from the local book.
 */
function replayV1Capture(): { pair: string; sent: number; computed: number }[] {
  const depth = 1000;
  const books = new Map<string, OrderBook<TextLevel>>();
  const results: { pair: string; sent: number; computed: number }[] = [];
  for (const line of fixture('book-v1-depth1000.ws.txt').split('\n')) {
    if (line.length === 0 || line.startsWith('wss://')) continue;
    const frame = JSON.parse(line.slice(line.indexOf(': ') + 2)) as unknown;
    if (!Array.isArray(frame)) continue; // systemStatus, subscriptionStatus, heartbeat
    const pair = frame[frame.length - 1] as string;
    const parts = frame.slice(1, -2) as V1Part[];
    let book = books.get(pair);
    if (parts[0].as !== undefined || parts[0].bs !== undefined) {
      book = new OrderBook<TextLevel>();
      books.set(pair, book);
    }
    if (book === undefined) throw new Error(`update for ${pair} before its snapshot`);
    let sent: string | undefined;
    for (const part of parts) {
      for (const [side, levels] of [
        [book.asks, part.as ?? part.a ?? []],
        [book.bids, part.bs ?? part.b ?? []],
      ] as const) {
        for (const [price, volume] of levels) {
          if (Number(volume) === 0) side.delete(Number(price));
          else side.set(Number(price), [price, volume]);
        }
      }
      sent ??= part.c;
    }
    book.asks.truncate(depth);
    book.bids.truncate(depth);
    if (sent === undefined) continue; // snapshots carry no checksum in v1
    const top = (side: typeof book.asks): TextLevel[] => side.top(10).map(([, level]) => level);
    results.push({ pair, sent: Number(sent), computed: krakenTextChecksum(top(book.asks), top(book.bids)) });
  }
  return results;
}

describe('krakenTextChecksum (v1) on the real depth-1000 capture', () => {
  it('matches every one of the 4,269 checksums Kraken sent, on all 10 pairs', () => {
    const results = replayV1Capture();
    expect(results).toHaveLength(4269);
    expect(new Set(results.map((r) => r.pair)).size).toBe(10);
    const wrong = results.filter((r) => r.sent !== r.computed);
    expect(wrong).toEqual([]);
  });

  it('covers the top 10 levels of each side only', () => {
    const side = (base: number): TextLevel[] =>
      Array.from({ length: 12 }, (_, i) => [(base + i).toFixed(1), '1.00000000'] as const);
    const deep = krakenTextChecksum(side(100), side(50));
    expect(deep).toBe(krakenTextChecksum(side(100).slice(0, 10), side(50).slice(0, 10)));
    expect(deep).not.toBe(krakenTextChecksum(side(100).slice(0, 9), side(50).slice(0, 10)));
  });

  it('agrees with krakenBookChecksum when the text is the number at the pair precision', () => {
    const asks: TextLevel[] = [
      ['45285.2', '0.00100000'],
      ['45286.4', '1.54571953'],
    ];
    const bids: TextLevel[] = [['45283.5', '0.10000000']];
    const numeric = (levels: TextLevel[]): Level[] => levels.map(([p, q]) => [Number(p), Number(q)]);
    expect(krakenTextChecksum(asks, bids)).toBe(krakenBookChecksum(numeric(asks), numeric(bids), BTC_USD));
  });
});
