import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { WireLevel as Level } from '../../book/book-rule.js';
import { okxBookChecksum } from './checksum.js';

type WireLevel = [price: string, size: string, liquidated: string, orders: string];
interface BooksFrame {
  arg: { channel: string; instId: string };
  action: 'snapshot' | 'update';
  data: { asks: WireLevel[]; bids: WireLevel[]; ts: string; checksum: number }[];
}

const lines = readFileSync(fileURLToPath(new URL('./fixtures/books.ws.txt', import.meta.url)), 'utf8')
  .split('\n')
  .filter((line) => line !== '');

/** Side keyed by price text; sorted by numeric price when the checksum is taken. */
type Side = Map<string, string>;

function apply(side: Side, levels: WireLevel[]): void {
  for (const [price, size] of levels) {
    if (size === '0') side.delete(price);
    else side.set(price, size);
  }
}

function best(side: Side, descending: boolean): Level[] {
  const levels = [...side].map(([p, s]) => [p, s] as const);
  return levels.sort((a, b) => (descending ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
}

/** Replays every captured books frame and returns [sent, recomputed] per message. */
function replay(): [number, number][] {
  const books = new Map<string, { bids: Side; asks: Side }>();
  const results: [number, number][] = [];
  for (const line of lines) {
    const frame = JSON.parse(line.slice(line.indexOf(': ') + 2)) as BooksFrame;
    const item = frame.data[0];
    if (frame.action === 'snapshot') books.set(frame.arg.instId, { bids: new Map(), asks: new Map() });
    const book = books.get(frame.arg.instId);
    if (book === undefined) throw new Error(`update before snapshot for ${frame.arg.instId}`);
    apply(book.bids, item.bids);
    apply(book.asks, item.asks);
    results.push([item.checksum, okxBookChecksum(best(book.bids, true), best(book.asks, false))]);
  }
  return results;
}

describe('okxBookChecksum on the real OKX capture', () => {
  it('reproduces every one of the 290 checksums OKX sent', () => {
    const results = replay();
    expect(results).toHaveLength(290);
    expect(results.filter(([sent, mine]) => sent !== mine)).toEqual([]);
  });

  it('is signed, and interleaves the longer side’s remainder', () => {
    expect(okxBookChecksum([['1', '2']], [])).toBe(okxBookChecksum([], [['1', '2']]));
    const oneSided = okxBookChecksum(
      [
        ['3', '1'],
        ['2', '1'],
      ],
      [['4', '1']],
    );
    expect(oneSided).toBe(
      okxBookChecksum(
        [['3', '1']],
        [
          ['4', '1'],
          ['2', '1'],
        ],
      ),
    );
    expect(replay().some(([sent]) => sent < 0)).toBe(true);
  });

  it('covers the top 25 only', () => {
    const bids: Level[] = Array.from({ length: 26 }, (_, i) => [String(100 - i), '1']);
    const base = okxBookChecksum(bids.slice(0, 25), []);
    expect(okxBookChecksum(bids, [])).toBe(base);
    expect(okxBookChecksum([...bids.slice(0, 24), ['76', '2']], [])).not.toBe(base);
  });
});
