import { describe, expect, it } from 'vitest';
import type { ReplayEvent } from '../events.js';
import {
  decodeBatch,
  encodeAdvance,
  encodeBatch,
  encodeItem,
  encodeSeek,
  isBatch,
  itemFields,
  withFull,
  type LinkItem,
} from './link-wire.js';

const book = { lastUpdateId: 7, bids: [['100.5', '2']], asks: [['101', '0.5']] };
const update: ReplayEvent = {
  exchange: 'binance',
  symbol: 'BTCUSDT',
  ts: 1_700_000_000_123,
  kind: 'book_update',
  data: { e: 'depthUpdate', U: 8, u: 9, b: [['100.5', '2']], a: [], note: 'tab\there, line\nthere' },
  full: book,
};
const trade: ReplayEvent = {
  exchange: 'binance',
  symbol: 'BTCUSDT',
  ts: 1_700_000_000_124,
  kind: 'trade',
  data: { e: 'trade', t: 1, p: '100.7', q: '0.1' },
};

function decode(items: LinkItem[]) {
  const frame = Buffer.from(encodeBatch(3, 42, items));
  expect(isBatch(frame)).toBe(true);
  const batch = decodeBatch('binance', frame);
  if (typeof batch === 'string') throw new Error(batch);
  expect(batch.seq).toBe(3);
  expect(batch.at).toBe(42);
  return batch.items;
}

describe('link batches', () => {
  it('are the same frame whether items come as text or as bytes (the timeline cache)', () => {
    const texts = [
      encodeItem(trade),
      withFull(encodeItem(update), JSON.stringify(update.full)),
      encodeAdvance(5),
    ];
    const bytes = [
      Buffer.from(texts[0]),
      withFull(Buffer.from(encodeItem(update)), Buffer.from(JSON.stringify(update.full))),
      texts[2],
    ];
    expect(bytes[1]).toBeInstanceOf(Buffer);
    expect(encodeBatch(9, 1, bytes).equals(encodeBatch(9, 1, texts))).toBe(true);
    expect(encodeBatch(9, 1, texts).toString()).toBe(`{"t":"b","seq":9,"at":1,"n":3}\n${texts.join('\n')}`);
  });

  it('carry events, their top, their whole book, clock advances and seeks in order', () => {
    const items = decode([
      withFull(encodeItem(update), JSON.stringify(update.full)),
      encodeItem(trade),
      encodeAdvance(5),
      encodeSeek(4),
    ]);
    expect(items).toHaveLength(4);
    const [u, t, adv, seek] = items;
    if (typeof u === 'string' || !('event' in u) || typeof t === 'string' || !('event' in t))
      throw new Error('expected events');
    expect(u.event).toMatchObject({
      exchange: 'binance',
      symbol: 'BTCUSDT',
      ts: update.ts,
      kind: 'book_update',
    });
    expect(u.event.data).toEqual(update.data);
    expect(u.event.full).toEqual(book);
    expect(u.event.top).toEqual(['100.5', '2', '101', '0.5']);
    expect(JSON.parse(String(u.event.raw))).toEqual(update.data);
    expect(t.event.data).toEqual(trade.data);
    expect(t.event.top).toBeUndefined();
    expect(t.event.full).toBeUndefined();
    expect(adv).toEqual({ advance: 5 });
    expect(seek).toEqual({ seek: 4 });
  });

  it('keeps an item without its whole book lean: top and data only', () => {
    const item = encodeItem(update);
    expect(item).not.toContain('lastUpdateId');
    expect(itemFields(item)).toEqual({
      top: ['100.5', '2', '101', '0.5'],
      data: JSON.stringify(update.data),
    });
  });

  it('names what is wrong with a bad item and keeps the others', () => {
    const items = decode([
      'x\ttrade',
      '1\tnope\tS\t\t{}',
      '1\ttrade\tS',
      '1\ttrade\tS\t1,2\t{}',
      encodeItem(trade),
    ]);
    expect(items.slice(0, 4).every((i) => typeof i === 'string')).toBe(true);
    expect(items[1]).toMatch(/kind must be one of/);
    expect(items[3]).toMatch(/top must be/);
    expect(typeof items[4]).toBe('object');
  });

  it('refuses a frame without a JSON head', () => {
    expect(decodeBatch('binance', Buffer.from('{"t":"b",oops\n1\tadv'))).toMatch(/JSON head/);
    expect(decodeBatch('binance', Buffer.from('{"t":"b","seq":"1","at":2}'))).toMatch(/numeric/);
    expect(isBatch(Buffer.from('{"t":"status"}'))).toBe(false);
  });
});
