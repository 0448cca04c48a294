/**
 * The hub's encoder and the ingest codec are each other's inverse on OKX's real shapes:
 * - every captured trades and tickers push re-encoded from its parsed data is byte for byte the
 *   frame OKX sent (field order included), and decodes to the same normalized message;
 * - for any trade, ticker, book message and closed candle, decode(encode(x)) carries x's values
 *   exactly (prices, sizes and book text unchanged).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOkxFrame } from './codec.js';
import { encodeOkxBook, encodeOkxCandle, encodeOkxTicker, encodeOkxTrade } from './encoder.js';
import type { OkxBookData, OkxCandle, OkxLevel, OkxTicker, OkxTrade } from './wire.js';

const LOCAL = 1_700_000_000_123;
const captured = readFileSync(new URL('./fixtures/public.ws.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.includes('"data"'))
  .map((line) => line.slice(line.indexOf(': ') + 2));

const decimal = (maxInt: number, places: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.integer({ min: 0, max: maxInt }), fc.integer({ min: 0, max: 10 ** places - 1 }))
    .map(([i, f]) => (f === 0 ? String(i) : `${i}.${String(f).padStart(places, '0').replace(/0+$/, '')}`));
const positive = (maxInt: number, places: number): fc.Arbitrary<string> =>
  decimal(maxInt, places).filter((s) => Number(s) > 0);
const ms = fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }).map(String);

describe('OKX encoder ∘ codec', () => {
  it('re-encodes every captured spot trades and tickers push byte for byte', () => {
    const spot = captured.filter((f) => f.includes('"instId":"BTC-USDT"'));
    expect(spot.length).toBeGreaterThan(20);
    for (const frame of spot) {
      const parsed = JSON.parse(frame) as { arg: { channel: string }; data: unknown[] };
      const again =
        parsed.arg.channel === 'trades'
          ? encodeOkxTrade(parsed.data[0] as OkxTrade)
          : encodeOkxTicker(parsed.data[0] as OkxTicker);
      expect(again).toBe(frame);
      expect(decodeOkxFrame(again, LOCAL)).toEqual(decodeOkxFrame(frame, LOCAL));
    }
  });

  it('keeps every trade value through encode and decode', () => {
    const trade = fc.record({
      instId: fc.constantFrom('BTC-USDT', 'ETH-USDT'),
      tradeId: fc.bigInt({ min: 1n, max: 2n ** 62n }).map(String),
      px: positive(200_000, 2),
      sz: positive(1000, 8),
      side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'),
      ts: ms,
      count: fc.integer({ min: 1, max: 50 }).map(String),
    });
    fc.assert(
      fc.property(trade, (t: OkxTrade) => {
        const [decoded] = decodeOkxFrame(encodeOkxTrade(t), LOCAL);
        expect(decoded).toMatchObject({
          type: 'trade',
          exchange: 'okx',
          symbol: t.instId.replace('-', '/'),
          id: t.tradeId,
          price: Number(t.px),
          amount: Number(t.sz),
          side: t.side,
          timestamp: Number(t.ts),
          localTimestamp: LOCAL,
        });
      }),
    );
  });

  it('keeps a book message’s levels as text, with its seqId chain and checksum', () => {
    const level: fc.Arbitrary<OkxLevel> = fc
      .tuple(positive(100_000, 1), decimal(50, 6), fc.integer({ min: 0, max: 40 }))
      .map(([px, sz, n]) => [px, sz, '0', String(Number(sz) === 0 ? 0 : Math.max(n, 1))]);
    const data = fc.record({
      asks: fc.uniqueArray(level, { selector: (l) => Number(l[0]), maxLength: 30 }),
      bids: fc.uniqueArray(level, { selector: (l) => Number(l[0]), maxLength: 30 }),
      ts: ms,
      checksum: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      seqId: fc.integer({ min: 0, max: 2 ** 40 }),
      prevSeqId: fc.integer({ min: 0, max: 2 ** 40 }),
    });
    fc.assert(
      fc.property(data, fc.boolean(), (d: OkxBookData, snapshot) => {
        const sent = snapshot ? { ...d, prevSeqId: -1 } : d;
        const [decoded] = decodeOkxFrame(
          encodeOkxBook('BTC-USDT', snapshot ? 'snapshot' : 'update', sent),
          LOCAL,
        );
        if (decoded.type !== 'book') throw new Error(`decoded a ${decoded.type}`);
        const e = decoded.event;
        expect({ seqId: e.seqId, prevSeqId: e.prevSeqId, checksum: e.checksum }).toEqual({
          seqId: sent.seqId,
          prevSeqId: sent.prevSeqId,
          checksum: sent.checksum,
        });
        expect(e.change).toMatchObject({ symbol: 'BTC/USDT', isSnapshot: snapshot, timestamp: Number(d.ts) });
        expect(e.wire.bids.map((l) => [l[0], l[1]])).toEqual(sent.bids.map((l) => [l[0], l[1]]));
        expect(e.wire.asks.map((l) => [l[0], l[1]])).toEqual(sent.asks.map((l) => [l[0], l[1]]));
        expect(e.change.bids).toEqual(sent.bids.map((l) => [Number(l[0]), Number(l[1])]));
      }),
    );
  });

  it('turns a closed candle into a bar with its values, and an open one into nothing', () => {
    const candle: OkxCandle = [
      '1700000040000',
      '37000.1',
      '37010',
      '36990.5',
      '37005.2',
      '1.25',
      '46256.5',
      '46256.5',
      '1',
    ];
    expect(decodeOkxFrame(encodeOkxCandle('BTC-USDT', candle), LOCAL)).toEqual([
      expect.objectContaining({
        type: 'bar',
        exchange: 'okx',
        symbol: 'BTC/USDT',
        interval: '1m',
        open: 37000.1,
        high: 37010,
        low: 36990.5,
        close: 37005.2,
        volume: 1.25,
      }),
    ]);
    const open: OkxCandle = [...candle.slice(0, 8), '0'] as OkxCandle;
    expect(decodeOkxFrame(encodeOkxCandle('BTC-USDT', open), LOCAL)).toEqual([]);
  });
});
