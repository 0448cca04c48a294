import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import type { Bar, Level, Ticker, Trade } from '../../core/types.js';
import { krakenBookChecksum, type TextLevel } from './checksum.js';
import {
  decodeKrakenFrame,
  decodeKrakenFrameInto,
  encodeKrakenAck,
  encodeKrakenAckError,
  encodeKrakenBook,
  encodeKrakenOhlc,
  encodeKrakenPong,
  encodeKrakenStatus,
  encodeKrakenTrades,
  KRAKEN_HEARTBEAT_FRAME,
  systemStatusMessages,
  type KrakenBookChange,
  type KrakenDecoded,
  type KrakenSystemStatusResult,
} from './codec.js';
import { KRAKEN_ERRORS, type KrakenBookMessage } from './wire.js';

const BTC_USD = { priceDecimals: 1, qtyDecimals: 8 };
const AT = 1_700_000_000_123;
const DOC_SNAPSHOT = readFileSync(
  fileURLToPath(new URL('./fixtures/book-v2-doc-snapshot.json', import.meta.url)),
  'utf8',
).trimEnd();

function one(raw: string): KrakenDecoded {
  const out = decodeKrakenFrame(raw, AT);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('Kraken’s documented book snapshot', () => {
  const wire = JSON.parse(DOC_SNAPSHOT) as KrakenBookMessage;
  const levels = (side: (typeof wire.data)[0]['bids']): Level[] => side.map((l) => [l.price, l.qty]);

  it('decodes to a replacing book_change with the checksum and the µs time in ms', () => {
    const change = one(DOC_SNAPSHOT) as KrakenBookChange;
    expect(change).toMatchObject({
      type: 'book_change',
      exchange: 'kraken',
      symbol: 'BTC/USD',
      timestamp: 1696613755440,
      localTimestamp: AT,
      isSnapshot: true,
      sequence: 0,
      checksum: 3310070434,
    });
    expect(change.bids[0]).toEqual([45283.5, 0.1]);
    expect(change.asks[9]).toEqual([45299.5, 0.18772827]);
    expect(krakenBookChecksum(change.asks, change.bids, BTC_USD)).toBe(change.checksum);
  });

  it('is reproduced byte for byte by the encoder, from numbers or from REST-style text', () => {
    const book = {
      symbol: 'BTC/USD',
      bids: levels(wire.data[0].bids),
      asks: levels(wire.data[0].asks),
      checksum: 3310070434,
      timestamp: 1696613755440.295,
    };
    expect(encodeKrakenBook('snapshot', book, BTC_USD)).toBe(DOC_SNAPSHOT);
    const asText = (side: Level[]): TextLevel[] => side.map(([p, q]) => [p.toFixed(5), q.toFixed(8)]);
    const fromText = { ...book, bids: asText(book.bids), asks: asText(book.asks) };
    expect(encodeKrakenBook('snapshot', fromText, BTC_USD)).toBe(DOC_SNAPSHOT);
  });
});

describe('decodeKrakenFrame: channel messages', () => {
  it('decodes a trade update', () => {
    const raw = encodeKrakenTrades(
      'update',
      [
        {
          symbol: 'BTC/USD',
          side: 'sell',
          price: '83744.3',
          qty: '0.0004478',
          ordType: 'limit',
          tradeId: 109116693,
          timestamp: 1790358506844.359,
        },
      ],
      BTC_USD,
    );
    expect(raw).toBe(
      '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":83744.3,' +
        '"qty":0.00044780,"ord_type":"limit","trade_id":109116693,"timestamp":"2026-09-25T17:48:26.844359Z"}]}',
    );
    expect(one(raw)).toEqual({
      type: 'trade',
      exchange: 'kraken',
      symbol: 'BTC/USD',
      timestamp: 1790358506844,
      localTimestamp: AT,
      id: '109116693',
      price: 83744.3,
      amount: 0.0004478,
      side: 'sell',
    } satisfies Trade);
  });

  it('decodes a ticker; without a timestamp it is stamped with the receipt time', () => {
    const raw =
      '{"channel":"ticker","type":"snapshot","data":[{"symbol":"ETH/USD","bid":2583.1,"bid_qty":1.5,"ask":2583.11,' +
      '"ask_qty":0.2,"last":2583.11,"volume":3156.8478211,"vwap":2600.5,"low":2500.01,"high":2650,"change":-12.5,' +
      '"change_pct":-0.48}]}';
    expect(one(raw)).toEqual({
      type: 'ticker',
      exchange: 'kraken',
      symbol: 'ETH/USD',
      timestamp: AT,
      localTimestamp: AT,
      last: 2583.11,
      bid: 2583.1,
      ask: 2583.11,
      bidSize: 1.5,
      askSize: 0.2,
      volume24h: 3156.8478211,
      change24hPct: -0.48,
    } satisfies Ticker);
  });

  it('decodes each ohlc candle to a bar timed by its interval_begin', () => {
    const candle = {
      symbol: 'BTC/USD',
      open: 77400,
      high: 77445.8,
      low: 77400,
      close: 77416.3,
      trades: 15,
      volume: 0.25302078,
      vwap: 77416.2,
      interval: 1 as const,
    };
    const begin = Date.UTC(2026, 8, 10, 17, 32);
    const raw = encodeKrakenOhlc(
      'snapshot',
      Date.UTC(2026, 8, 10, 17, 44, 43, 105) + 0.76,
      [
        { ...candle, intervalBegin: begin },
        { ...candle, intervalBegin: begin + 60_000, close: 77397.1 },
      ],
      BTC_USD,
    );
    const first =
      '{"channel":"ohlc","type":"snapshot","timestamp":"2026-09-10T17:44:43.105760000Z","data":[{"symbol":"BTC/USD",' +
      '"open":77400.0,"high":77445.8,"low":77400.0,"close":77416.3,"trades":15,"volume":0.25302078,"vwap":77416.2,' +
      '"interval_begin":"2026-09-10T17:32:00.000000000Z","interval":1,"timestamp":"2026-09-10T17:33:00.000000Z"},';
    expect(raw.slice(0, first.length)).toBe(first);
    const bars = decodeKrakenFrame(raw, AT) as Bar[];
    expect(bars.map((b) => [b.timestamp, b.interval, b.close])).toEqual([
      [begin, '1m', 77416.3],
      [begin + 60_000, '1m', 77397.1],
    ]);
    expect(bars[0]).toMatchObject({ open: 77400, high: 77445.8, low: 77400, volume: 0.25302078 });
  });

  it('decodes a book update with its levels in the order sent, qty 0 kept as a removal', () => {
    const raw = encodeKrakenBook(
      'update',
      {
        symbol: 'BTC/USD',
        bids: [],
        asks: [
          ['62807.0', '0'],
          ['62818.8', '0.65540712'],
          ['62803.8', '0.1'],
        ],
        checksum: 4249465476,
        timestamp: Date.UTC(2026, 7, 16, 23, 37, 3, 745) + 0.044,
      },
      BTC_USD,
    );
    expect(raw).toContain('"asks":[{"price":62807.0,"qty":0.00000000},{"price":62818.8,"qty":0.65540712}');
    expect(one(raw)).toMatchObject({
      isSnapshot: false,
      bids: [],
      asks: [
        [62807, 0],
        [62818.8, 0.65540712],
        [62803.8, 0.1],
      ],
      checksum: 4249465476,
      timestamp: Date.UTC(2026, 7, 16, 23, 37, 3, 745),
    });
  });
});

describe('decodeKrakenFrameInto', () => {
  it('tells a snapshot from an update, and control frames from both', () => {
    const types = [
      encodeKrakenTrades('snapshot', [], BTC_USD),
      encodeKrakenTrades('update', [], BTC_USD),
      DOC_SNAPSHOT,
      KRAKEN_HEARTBEAT_FRAME,
      encodeKrakenPong({ reqId: 1, timeIn: AT, timeOut: AT }),
    ].map((raw) => decodeKrakenFrameInto(raw, AT, []));
    expect(types).toEqual(['snapshot', 'update', 'snapshot', undefined, undefined]);
  });

  it('appends to the caller’s array, as decodeKrakenFrame does', () => {
    const out: KrakenDecoded[] = [];
    decodeKrakenFrameInto(KRAKEN_HEARTBEAT_FRAME, AT, out);
    decodeKrakenFrameInto(DOC_SNAPSHOT, AT, out);
    expect(out.map((m) => m.type)).toEqual(['heartbeat', 'book_change']);
  });
});

describe('decodeKrakenFrame: control results', () => {
  it('reads heartbeat and pong', () => {
    expect(one(KRAKEN_HEARTBEAT_FRAME)).toEqual({ type: 'heartbeat', localTimestamp: AT });
    const pong = encodeKrakenPong({ reqId: 101, timeIn: 1716203329272.922, timeOut: 1716203329272.94 });
    expect(pong).toBe(
      '{"method":"pong","req_id":101,"time_in":"2024-05-20T11:08:49.272922Z","time_out":"2024-05-20T11:08:49.272940Z"}',
    );
    expect(one(pong)).toEqual({ type: 'pong', reqId: 101, localTimestamp: AT });
    expect(one(encodeKrakenPong({ timeIn: 0, timeOut: 0 }))).toEqual({
      type: 'pong',
      reqId: undefined,
      localTimestamp: AT,
    });
  });

  it('keeps every digit of the connection id, which no double can hold', () => {
    const raw = encodeKrakenStatus({
      system: 'online',
      version: '2.0.10',
      connectionId: 18125794168470749634n,
    });
    expect(raw).toBe(
      '{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online","api_version":"v2",' +
        '"connection_id":18125794168470749634,"upcoming_maintenance":[],"emergency":[]}]}',
    );
    const status = one(raw) as KrakenSystemStatusResult;
    expect(status).toEqual({
      type: 'system_status',
      system: 'online',
      version: '2.0.10',
      apiVersion: 'v2',
      connectionId: '18125794168470749634',
      localTimestamp: AT,
    });
    expect(systemStatusMessages(status, ['BTC/USD', 'ETH/USD'])).toEqual(
      ['BTC/USD', 'ETH/USD'].map((symbol) => ({
        type: 'status',
        exchange: 'kraken',
        symbol,
        timestamp: AT,
        localTimestamp: AT,
        state: 'connected',
        reason: 'kraken system online (api v2, server 2.0.10)',
      })),
    );
    const maintenance = one(
      encodeKrakenStatus({ ...status, system: 'maintenance' }),
    ) as KrakenSystemStatusResult;
    expect(systemStatusMessages(maintenance, ['BTC/USD'])[0].state).toBe('stale');
  });

  it('reads acks with keys in Kraken’s alphabetical order', () => {
    const times = {
      reqId: 121,
      timeIn: Date.UTC(2024, 4, 19, 19, 6, 57, 2) + 0.983,
      timeOut: Date.UTC(2024, 4, 19, 19, 6, 57, 3) + 0.037,
    };
    const ack = encodeKrakenAck(
      'subscribe',
      {
        symbol: 'ETH/USD',
        snapshot: true,
        channel: 'ohlc',
        interval: 60,
        warnings: ['timestamp is deprecated, use interval_begin'],
      },
      times,
    );
    expect(ack).toBe(
      '{"method":"subscribe","req_id":121,"result":{"channel":"ohlc","interval":60,"snapshot":true,"symbol":"ETH/USD",' +
        '"warnings":["timestamp is deprecated, use interval_begin"]},"success":true,' +
        '"time_in":"2024-05-19T19:06:57.002983Z","time_out":"2024-05-19T19:06:57.003037Z"}',
    );
    expect(one(ack)).toEqual({
      type: 'ack',
      method: 'subscribe',
      reqId: 121,
      channel: 'ohlc',
      symbol: 'ETH/USD',
      warnings: ['timestamp is deprecated, use interval_begin'],
      localTimestamp: AT,
    });
    const unsubscribed = encodeKrakenAck(
      'unsubscribe',
      { channel: 'book', depth: 10, symbol: 'BTC/USD' },
      times,
    );
    expect(unsubscribed).toContain('"result":{"channel":"book","depth":10,"symbol":"BTC/USD"}');
    expect(one(unsubscribed)).toMatchObject({
      type: 'ack',
      method: 'unsubscribe',
      channel: 'book',
      warnings: [],
    });
  });

  it('reads refusals with Kraken’s error text', () => {
    const times = { timeIn: 1790358534701.041, timeOut: 1790358534701.062 };
    const refused = encodeKrakenAckError(
      'subscribe',
      KRAKEN_ERRORS.pairNotSupported('XBT/USD'),
      'XBT/USD',
      times,
    );
    expect(refused).toBe(
      '{"error":"Currency pair not supported XBT/USD","method":"subscribe","success":false,"symbol":"XBT/USD",' +
        '"time_in":"2026-09-25T17:48:54.701041Z","time_out":"2026-09-25T17:48:54.701062Z"}',
    );
    expect(one(refused)).toEqual({
      type: 'ack_error',
      method: 'subscribe',
      reqId: undefined,
      error: 'Currency pair not supported XBT/USD',
      symbol: 'XBT/USD',
      localTimestamp: AT,
    });
    const depth = encodeKrakenAckError('subscribe', KRAKEN_ERRORS.depthNotSupported, undefined, {
      ...times,
      reqId: 7,
    });
    expect(one(depth)).toMatchObject({
      type: 'ack_error',
      reqId: 7,
      error: 'Subscription depth not supported',
      symbol: undefined,
    });
  });
});

describe('decodeKrakenFrame: bad input', () => {
  const bad = (raw: string, message: RegExp): void => {
    expect(() => decodeKrakenFrame(raw, AT)).toThrow(DecodeError);
    expect(() => decodeKrakenFrame(raw, AT)).toThrow(message);
  };

  it('names the field and quotes the frame', () => {
    bad('{"channel":"book",', /malformed JSON frame \(18 chars\): \{"channel":"book",/);
    bad('[1,2]', /field frame is not an object/);
    bad('{"nope":1}', /frame has neither a channel nor a method/);
    bad('{"channel":"constructor","type":"update","data":[]}', /unknown channel "constructor"/);
    bad(
      '{"channel":"instrument","type":"snapshot","data":[]}',
      /unknown channel "instrument" in \{"channel":"instrument"/,
    );
    bad('{"channel":"book","type":"partial","data":[]}', /field type "partial" is not snapshot or update/);
    bad(
      '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"1.0","qty":1}],"asks":[],"checksum":1}]}',
      /bids\[0\] price or qty is not a non-negative number/,
    );
    bad(
      '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"buy","price":1,"qty":1,"trade_id":1.5,"timestamp":"2024-01-01T00:00:00Z"}]}',
      /trade_id is not an integer/,
    );
    bad(
      '{"channel":"ohlc","type":"update","timestamp":"x","data":[{"symbol":"BTC/USD","interval":2}]}',
      /interval 2 is not one Kraken offers/,
    );
    bad(
      '{"channel":"status","type":"update","data":[{"system":"sleeping"}]}',
      /unknown system state "sleeping"/,
    );
    bad('{"method":"add_order","success":true}', /unexpected method response "add_order"/);
  });

  it('cuts long frames in the message', () => {
    const long = `{"channel":"nope","pad":"${'x'.repeat(500)}"}`;
    expect(() => decodeKrakenFrame(long, AT)).toThrow(/…$/);
  });
});
