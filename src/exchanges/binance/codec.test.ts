import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import type { BookChange, NormalizedMessage, Quote, Ticker, Trade } from '../../core/types.js';
import { btcDepthRawFrames, combinedStreamFrames } from './test-support/fixtures.js';
import {
  binanceStreamName,
  decodeBinanceFrame,
  decodeDepthUpdate,
  encodeBinanceEvent,
  encodeBinanceRestDepth,
  formatBinanceDecimal,
  parseBinanceFrame,
  parseBinanceStreamName,
  parseControlReply,
} from './codec.js';

function frameContaining(needle: string) {
  const frame = combinedStreamFrames().find((f) => f.raw.includes(needle));
  if (!frame) throw new Error(`no fixture frame contains ${needle}`);
  return frame;
}

describe('decodeBinanceFrame on real combined-stream captures', () => {
  it('decodes every captured frame without error', () => {
    const frames = combinedStreamFrames();
    expect(frames.length).toBe(265);
    const counts: Record<string, number> = {};
    for (const f of frames) {
      const msgs = decodeBinanceFrame(f.raw, f.localTimestamp);
      expect(msgs).toHaveLength(1);
      const m = msgs[0];
      counts[m.type] = (counts[m.type] ?? 0) + 1;
      expect(m.exchange).toBe('binance');
      expect(m.symbol).toMatch(/^[A-Z]+\/(USDT|ETH|BTC|EUR)$/);
      expect(m.localTimestamp).toBe(f.localTimestamp);
    }
    expect(counts).toEqual({ book_change: 177, quote: 84, bar: 2, trade: 2 });
  });

  it('maps the aggTrade example exactly (id = a, m false → buy)', () => {
    const f = frameContaining('"a":15683430');
    expect(decodeBinanceFrame(f.raw, f.localTimestamp)).toEqual([
      {
        type: 'trade',
        exchange: 'binance',
        symbol: 'NKN/USDT',
        timestamp: 1633998523963,
        localTimestamp: 1633998523957,
        id: '15683430',
        price: 0.3528,
        amount: 58,
        side: 'buy',
      },
    ]);
  });

  it('maps a depthUpdate exactly (sequence = u)', () => {
    const f = frameContaining('"U":499869753');
    expect(decodeBinanceFrame(f.raw, f.localTimestamp)).toEqual([
      {
        type: 'book_change',
        exchange: 'binance',
        symbol: 'NKN/USDT',
        timestamp: 1633998512568,
        localTimestamp: 1633998512564,
        bids: [[0.3517, 4265]],
        asks: [[0.3529, 10968]],
        sequence: 499869754,
        isSnapshot: false,
      },
    ]);
    const diff = decodeDepthUpdate(parseBinanceFrame(f.raw).data, 1);
    expect(diff.firstUpdateId).toBe(499869753);
  });

  it('maps a bookTicker exactly (no exchange time: timestamp = receipt time)', () => {
    const f = frameContaining('"u":499869768,');
    expect(decodeBinanceFrame(f.raw, f.localTimestamp)).toEqual([
      {
        type: 'quote',
        exchange: 'binance',
        symbol: 'NKN/USDT',
        timestamp: 1633998513377,
        localTimestamp: 1633998513377,
        bid: 0.3521,
        bidSize: 672,
        ask: 0.3526,
        askSize: 3199,
        mid: (0.3521 + 0.3526) / 2,
      },
    ]);
  });

  it('maps a kline exactly', () => {
    const f = frameContaining('"stream":"nknusdt@kline_1m"');
    expect(decodeBinanceFrame(f.raw, f.localTimestamp)).toEqual([
      {
        type: 'bar',
        exchange: 'binance',
        symbol: 'NKN/USDT',
        timestamp: 1633998523963,
        localTimestamp: 1633998523957,
        interval: '1m',
        open: 0.3527,
        high: 0.3528,
        low: 0.3522,
        close: 0.3528,
        volume: 25877,
      },
    ]);
  });
});

describe('decodeBinanceFrame on raw frames', () => {
  it('decodes every real raw btcusdt@depth event, with 0 amounts kept as removals', () => {
    const frames = btcDepthRawFrames();
    expect(frames).toHaveLength(71);
    let removals = 0;
    for (const raw of frames) {
      const [m] = decodeBinanceFrame(raw, 5) as BookChange[];
      expect(m.type).toBe('book_change');
      expect(m.symbol).toBe('BTC/USDT');
      expect(m.sequence).toBe((JSON.parse(raw) as { u: number }).u);
      for (const [, amount] of [...m.bids, ...m.asks]) if (amount === 0) removals++;
    }
    expect(removals).toBeGreaterThan(0);
    const [first] = decodeBinanceFrame(frames[0], 5) as BookChange[];
    expect(first.asks).toEqual([
      [119055.6, 0.0006],
      [120151.93, 0.00052],
    ]);
  });

  it('maps a trade (id = t, m true → sell) and a 24hrTicker', () => {
    const trade =
      '{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782134,"m":true,"M":true}';
    expect(decodeBinanceFrame(trade, 9)).toEqual([
      {
        type: 'trade',
        exchange: 'binance',
        symbol: 'BNB/BTC',
        timestamp: 1672515782134,
        localTimestamp: 9,
        id: '12345',
        price: 0.001,
        amount: 100,
        side: 'sell',
      },
    ]);
    const ticker =
      '{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","P":"250.00","w":"0.0018","x":"0.0009","c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":86400000,"F":0,"L":18150,"n":18151}';
    expect(decodeBinanceFrame(`{"stream":"bnbbtc@ticker","data":${ticker}}`, 9)).toEqual([
      {
        type: 'ticker',
        exchange: 'binance',
        symbol: 'BNB/BTC',
        timestamp: 1672515782136,
        localTimestamp: 9,
        last: 0.0025,
        bid: 0.0024,
        ask: 0.0026,
        bidSize: 10,
        askSize: 100,
        volume24h: 10000,
        change24hPct: 250,
      },
    ]);
  });

  it('decodes partial depth only when the combined stream name says which symbol and depth', () => {
    const body = '{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}';
    expect(decodeBinanceFrame(`{"stream":"bnbbtc@depth5@100ms","data":${body}}`, 7)).toEqual([
      {
        type: 'book_snapshot',
        exchange: 'binance',
        symbol: 'BNB/BTC',
        timestamp: 7,
        localTimestamp: 7,
        depth: 5,
        bids: [[0.0024, 10]],
        asks: [[0.0026, 100]],
        sequence: 160,
      },
    ]);
    expect(() => decodeBinanceFrame(body, 7)).toThrow(DecodeError);
  });
});

describe('control replies', () => {
  it('decode to no messages and parse separately', () => {
    expect(decodeBinanceFrame('{"result":null,"id":1}', 0)).toEqual([]);
    expect(parseControlReply('{"result":null,"id":1}')).toEqual({ kind: 'result', id: 1, result: null });
    expect(parseControlReply('{"result":["btcusdt@aggTrade"],"id":3}')).toEqual({
      kind: 'result',
      id: 3,
      result: ['btcusdt@aggTrade'],
    });
    const err = '{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":7}';
    expect(decodeBinanceFrame(err, 0)).toEqual([]);
    expect(parseControlReply(err)).toEqual({
      kind: 'error',
      id: 7,
      code: 2,
      msg: 'Invalid request: too many parameters',
    });
    expect(
      parseControlReply('{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}'),
    ).toMatchObject({
      kind: 'error',
      id: null,
      code: 3,
    });
    expect(parseControlReply(frameContaining('"a":15683430').raw)).toBeUndefined();
  });

  it('known non-data events (serverShutdown, miniTicker) give no messages', () => {
    expect(
      decodeBinanceFrame('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}', 0),
    ).toEqual([]);
    expect(decodeBinanceFrame('{"e":"serverShutdown","E":1770123456789}', 0)).toEqual([]);
  });
});

describe('malformed frames throw DecodeError', () => {
  const bad = [
    '{"stream":"btcusdt@trade","data":{"e":"trade"',
    'not json',
    '42',
    'null',
    '{"e":"somethingNew","E":1}',
    '{"hello":"world"}',
    '{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"abc","q":"1","T":1,"m":true}',
    '{"e":"trade","E":1,"s":"BTCUSDT","t":"1","p":"1","q":"1","T":1,"m":true}',
    '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1"]],"a":[]}',
    '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":{},"a":[]}',
    '{"e":"kline","E":1,"s":"BTCUSDT","k":null}',
  ];
  for (const raw of bad) {
    it(raw, () => {
      expect(() => decodeBinanceFrame(raw, 0)).toThrow(DecodeError);
    });
  }
});

describe('stream names', () => {
  it('builds and parses', () => {
    expect(binanceStreamName('BTC/USDT', 'depth@100ms')).toBe('btcusdt@depth@100ms');
    expect(binanceStreamName('NKN/USDT', 'kline_1m')).toBe('nknusdt@kline_1m');
    expect(parseBinanceStreamName('btcusdt@depth@100ms')).toEqual({
      symbol: 'BTC/USDT',
      kind: 'depth@100ms',
    });
    expect(parseBinanceStreamName('!ticker@arr')).toBeUndefined();
  });
});

describe('formatBinanceDecimal', () => {
  it('writes Binance-style decimals', () => {
    expect(formatBinanceDecimal(0.3528)).toBe('0.35280000');
    expect(formatBinanceDecimal(4265)).toBe('4265.00000000');
    expect(formatBinanceDecimal(1.5e-7)).toBe('0.00000015');
    expect(formatBinanceDecimal(1.23456789012)).toBe('1.23456789012');
    expect(formatBinanceDecimal(-2.5)).toBe('-2.50000000');
    expect(formatBinanceDecimal(1e21)).toBe('1000000000000000000000.00000000');
  });

  it('is exact: Number(format(n)) === n', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(Number(formatBinanceDecimal(n))).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

// ---- round trips: decode(encode(n)) == n ----

const symbol = fc.constantFrom('BTC/USDT', 'ETH/BTC', 'NKN/USDT', 'BNB/FDUSD');
const time = fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 });
const positive = fc.double({ min: 1e-8, max: 1e9, noNaN: true });
const amount = fc.oneof(fc.constant(0), positive);
const level = fc.tuple(positive, amount);

const trades: fc.Arbitrary<Trade> = fc.record({
  type: fc.constant('trade' as const),
  exchange: fc.constant('binance' as const),
  symbol,
  timestamp: time,
  localTimestamp: time,
  id: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }).map(String),
  price: positive,
  amount: positive,
  side: fc.constantFrom('buy' as const, 'sell' as const),
});

const changes: fc.Arbitrary<BookChange> = fc.record({
  type: fc.constant('book_change' as const),
  exchange: fc.constant('binance' as const),
  symbol,
  timestamp: time,
  localTimestamp: time,
  bids: fc.array(level, { maxLength: 5 }),
  asks: fc.array(level, { maxLength: 5 }),
  sequence: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  isSnapshot: fc.constant(false),
});

const quotes: fc.Arbitrary<Quote> = fc
  .record({ symbol, t: time, bid: positive, bidSize: positive, ask: positive, askSize: positive })
  .map((q) => ({
    type: 'quote' as const,
    exchange: 'binance' as const,
    symbol: q.symbol,
    timestamp: q.t,
    localTimestamp: q.t,
    bid: q.bid,
    bidSize: q.bidSize,
    ask: q.ask,
    askSize: q.askSize,
    mid: (q.bid + q.ask) / 2,
  }));

const tickers: fc.Arbitrary<Ticker> = fc.record({
  type: fc.constant('ticker' as const),
  exchange: fc.constant('binance' as const),
  symbol,
  timestamp: time,
  localTimestamp: time,
  last: positive,
  bid: positive,
  ask: positive,
  bidSize: positive,
  askSize: positive,
  volume24h: positive,
  change24hPct: fc.double({ min: -99, max: 1000, noNaN: true }).map((x) => (x === 0 ? 0 : x)),
});

describe('encodeBinanceEvent round trips', () => {
  for (const [name, arb] of [
    ['trade', trades],
    ['book_change', changes],
    ['quote', quotes],
    ['ticker', tickers],
  ] as Array<[string, fc.Arbitrary<NormalizedMessage>]>) {
    it(`${name}: raw and combined frames`, () => {
      fc.assert(
        fc.property(arb, (n) => {
          const event = encodeBinanceEvent(n);
          expect(decodeBinanceFrame(JSON.stringify(event), n.localTimestamp)).toEqual([n]);
          const stream = `${n.symbol.replace('/', '').toLowerCase()}@x`;
          expect(decodeBinanceFrame(JSON.stringify({ stream, data: event }), n.localTimestamp)).toEqual([n]);
        }),
      );
    });
  }

  it('re-encodes every real depthUpdate to an equivalent event', () => {
    for (const f of combinedStreamFrames().filter((x) => x.raw.includes('depthUpdate'))) {
      const env = parseBinanceFrame(f.raw);
      const diff = decodeDepthUpdate(env.data, f.localTimestamp);
      const event = encodeBinanceEvent(diff.change, { firstUpdateId: diff.firstUpdateId });
      expect(event).toEqual(env.data);
    }
  });

  it('writes REST depth bodies and refuses what Binance has no event for', () => {
    const snap: BookChange = {
      type: 'book_change',
      exchange: 'binance',
      symbol: 'BTC/USDT',
      timestamp: 1,
      localTimestamp: 1,
      bids: [[4, 431]],
      asks: [[4.000002, 12]],
      sequence: 1027024,
      isSnapshot: true,
    };
    expect(encodeBinanceRestDepth(snap)).toEqual({
      lastUpdateId: 1027024,
      bids: [['4.00000000', '431.00000000']],
      asks: [['4.00000200', '12.00000000']],
    });
    expect(() => encodeBinanceEvent(snap)).toThrow(/snapshot/);
    expect(() =>
      encodeBinanceEvent({
        ...snap,
        type: 'status',
        state: 'connected',
        reason: '',
      } as unknown as NormalizedMessage),
    ).toThrow(/status/);
  });
});
