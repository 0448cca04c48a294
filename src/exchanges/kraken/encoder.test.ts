import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Level } from '../../core/types.js';
import { krakenBookChecksum, krakenTextChecksum, type TextLevel } from './checksum.js';
import { decodeKrakenFrame, type KrakenBookChange, type KrakenDecoded } from './codec.js';
import {
  encodeKrakenBook,
  encodeKrakenOhlc,
  encodeKrakenTicker,
  encodeKrakenTrades,
  krakenPingRequest,
  krakenSubscribeRequest,
  krakenUnsubscribeRequest,
} from './encoder.js';
import type { KrakenOhlcInterval } from './wire.js';

const AT = 1_700_000_000_123;

function one(raw: string): KrakenDecoded {
  const out = decodeKrakenFrame(raw, AT);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('requests', () => {
  it('are written in Kraken’s documented order', () => {
    expect(
      krakenSubscribeRequest({ snapshot: true, depth: 10, symbol: ['BTC/USD'], channel: 'book' }, 11),
    ).toBe(
      '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":10,"snapshot":true},"req_id":11}',
    );
    expect(
      krakenSubscribeRequest({ channel: 'ticker', symbol: ['BTC/USD', 'ETH/USD'], event_trigger: 'bbo' }),
    ).toBe(
      '{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","ETH/USD"],"event_trigger":"bbo"}}',
    );
    expect(krakenUnsubscribeRequest({ channel: 'ohlc', symbol: ['ETH/USD'], interval: 60 }, 121)).toBe(
      '{"method":"unsubscribe","params":{"channel":"ohlc","symbol":["ETH/USD"],"interval":60},"req_id":121}',
    );
    expect(krakenSubscribeRequest({ channel: 'trade', symbol: ['BTC/USD'], snapshot: false })).toBe(
      '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false}}',
    );
    expect(krakenPingRequest(101)).toBe('{"method":"ping","req_id":101}');
    expect(krakenPingRequest()).toBe('{"method":"ping"}');
  });
});

// ---- encode → decode round trips ----

const precision = fc.record({
  priceDecimals: fc.integer({ min: 0, max: 8 }),
  qtyDecimals: fc.integer({ min: 0, max: 8 }),
});
/** A decimal on a `decimals` grid, as text with that many decimals and as the number. */
const onGrid = (decimals: number, max = 2 ** 40): fc.Arbitrary<string> =>
  fc.integer({ min: 0, max }).map((units) => (units / 10 ** decimals).toFixed(decimals));
const time = fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 });
const symbol = fc.constantFrom('BTC/USD', 'ETH/USD', 'MATIC/GBP');

describe('encode → decode', () => {
  it('books: levels come back as their numbers and the checksum matches the text one', () => {
    fc.assert(
      fc.property(
        precision.chain((p) =>
          fc.record({
            p: fc.constant(p),
            bids: fc.array(fc.tuple(onGrid(p.priceDecimals), onGrid(p.qtyDecimals)), { maxLength: 12 }),
            asks: fc.array(fc.tuple(onGrid(p.priceDecimals), onGrid(p.qtyDecimals)), { maxLength: 12 }),
          }),
        ),
        symbol,
        time,
        fc.boolean(),
        ({ p, bids, asks }, sym, at, isSnapshot) => {
          const checksum = krakenTextChecksum(asks, bids);
          const raw = encodeKrakenBook(
            isSnapshot ? 'snapshot' : 'update',
            { symbol: sym, bids, asks, checksum, timestamp: at },
            p,
          );
          const change = one(raw) as KrakenBookChange;
          const numbers = (side: TextLevel[]): Level[] => side.map(([a, b]) => [Number(a), Number(b)]);
          expect(change).toMatchObject({ symbol: sym, timestamp: at, isSnapshot, checksum });
          expect(change.bids).toEqual(numbers(bids));
          expect(change.asks).toEqual(numbers(asks));
          expect(krakenBookChecksum(change.asks, change.bids, p)).toBe(checksum);
          expect(
            encodeKrakenBook(
              isSnapshot ? 'snapshot' : 'update',
              { ...change, symbol: sym, timestamp: at },
              p,
            ),
          ).toBe(raw);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('trades, tickers and candles come back field for field', () => {
    fc.assert(
      fc.property(precision, symbol, time, fc.integer({ min: 1, max: 2 ** 40 }), (p, sym, at, id) => {
        const price = (units: number): string => (units / 10 ** p.priceDecimals).toFixed(p.priceDecimals);
        const qty = (units: number): string => (units / 10 ** p.qtyDecimals).toFixed(p.qtyDecimals);
        const trade = one(
          encodeKrakenTrades(
            'snapshot',
            [
              {
                symbol: sym,
                side: 'buy',
                price: price(id),
                qty: qty(id % 977),
                ordType: 'market',
                tradeId: id,
                timestamp: at,
              },
            ],
            p,
          ),
        );
        expect(trade).toMatchObject({
          type: 'trade',
          id: String(id),
          price: Number(price(id)),
          amount: Number(qty(id % 977)),
          side: 'buy',
          timestamp: at,
        });

        const tick = one(
          encodeKrakenTicker(
            'update',
            {
              symbol: sym,
              bid: price(id),
              bidQty: qty(3),
              ask: price(id + 1),
              askQty: qty(4),
              last: price(id),
              volume: qty(id),
              vwap: price(id),
              low: price(1),
              high: price(id + 2),
              change: -Number(price(7)),
              changePct: -1.25,
              trades: id,
              timestamp: at,
            },
            p,
          ),
        );
        expect(tick).toMatchObject({
          type: 'ticker',
          bid: Number(price(id)),
          ask: Number(price(id + 1)),
          askSize: Number(qty(4)),
          volume24h: Number(qty(id)),
          change24hPct: -1.25,
          timestamp: at,
        });

        const minutes: KrakenOhlcInterval = ([1, 5, 15, 30, 60, 240, 1440, 10080, 21600] as const)[id % 9];
        const begin = at - (at % 60_000);
        const candle = one(
          encodeKrakenOhlc(
            'update',
            at,
            [
              {
                symbol: sym,
                open: price(id),
                high: price(id + 5),
                low: price(id),
                close: price(id + 2),
                trades: id % 1000,
                volume: qty(id),
                vwap: price(id + 1),
                intervalBegin: begin,
                interval: minutes,
              },
            ],
            p,
          ),
        );
        expect(candle).toMatchObject({
          type: 'bar',
          symbol: sym,
          timestamp: begin,
          open: Number(price(id)),
          high: Number(price(id + 5)),
          close: Number(price(id + 2)),
          volume: Number(qty(id)),
        });
      }),
      { numRuns: 200 },
    );
  });
});
