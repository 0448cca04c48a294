import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import type { Bar, Ticker, Trade } from '../../core/types.js';
import type { OkxBookEvent } from './book-rule.js';
import { candleInterval, decodeOkxFrame, type OkxDecoded } from './codec.js';
import { canonicalSymbolOf } from './symbols.js';

/** `<ts>: <frame>` lines of the real capture (fixtures/README.md). */
function captured(name: string): { ts: number; frame: string }[] {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf(': ');
      return { ts: Math.floor(Number(line.slice(0, at)) * 1000), frame: line.slice(at + 2) };
    });
}

/** The capture also holds a future and a swap; their instIds stay as they are in these tests. */
const anyInstrument = (instId: string): string =>
  instId.split('-').length === 2 ? canonicalSymbolOf(instId) : instId;

const decode = (frame: string, ts = 1): OkxDecoded[] => decodeOkxFrame(frame, ts, [], anyInstrument);
const books = (out: OkxDecoded[]): OkxBookEvent[] => out.flatMap((d) => (d.type === 'book' ? [d.event] : []));

const BTC_TRADE =
  '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476307","px":"30236","sz":"0.0002","side":"buy","ts":"1652459224818"}]}';

describe('decodeOkxFrame on the real capture (OKX.ws.1.0)', () => {
  it('decodes every trades, tickers, books and ack line', () => {
    const all = [...captured('public.ws.txt'), ...captured('books.ws.txt')];
    expect(all).toHaveLength(410);
    const kinds = new Map<string, number>();
    for (const { ts, frame } of all) {
      for (const d of decode(frame, ts)) kinds.set(d.type, (kinds.get(d.type) ?? 0) + 1);
    }
    expect(kinds.get('book')).toBe(290);
    expect(kinds.get('reply')).toBe(18);
    expect(kinds.get('trade')).toBe(74);
    expect(kinds.get('ticker')).toBe(28);
    expect([...kinds.keys()].sort()).toEqual(['book', 'reply', 'ticker', 'trade']);
  });

  it('reads a trade: id = tradeId, taker side, decimal strings as numbers', () => {
    const [t] = decode(BTC_TRADE, 1652459225507) as Trade[];
    expect(t).toEqual({
      type: 'trade',
      exchange: 'okx',
      symbol: 'BTC/USDT',
      timestamp: 1652459224818,
      localTimestamp: 1652459225507,
      id: '338476307',
      price: 30236,
      amount: 0.0002,
      side: 'buy',
    });
  });

  it('reads a spot ticker: best bid/ask, base volume, change against open24h', () => {
    const line = captured('public.ws.txt').find(
      (l) => l.frame.includes('"tickers","instId":"BTC-USDT"},"data"') && l.frame.includes('"last":"30236"'),
    );
    const [t] = decode(line?.frame ?? '') as Ticker[];
    expect(t).toMatchObject({
      type: 'ticker',
      symbol: 'BTC/USDT',
      timestamp: 1652459224956,
      last: 30236,
      bid: 30228.6,
      ask: 30228.7,
      bidSize: 0.23393,
      askSize: 1.55896972,
      volume24h: 17602.13085371,
    });
    expect(t.change24hPct).toBeCloseTo(((30236 - 29700.4) / 29700.4) * 100, 10);
  });

  it('reads a pre-2023 books snapshot and update: levels, exact wire text, checksum, no seqId', () => {
    const lines = captured('books.ws.txt').filter((l) => l.frame.includes('"instId":"BTC-USDT"'));
    const [snap] = books(decode(lines[0].frame));
    const raw = (JSON.parse(lines[0].frame) as { data: { bids: string[][]; checksum: number }[] }).data[0];
    expect(snap.change).toMatchObject({
      type: 'book_change',
      symbol: 'BTC/USDT',
      isSnapshot: true,
      sequence: 0,
    });
    expect(snap.change.bids).toHaveLength(raw.bids.length);
    expect(snap.wire.bids).toEqual(raw.bids);
    expect(snap.change.bids[0]).toEqual([Number(raw.bids[0][0]), Number(raw.bids[0][1])]);
    expect(snap.checksum).toBe(raw.checksum);
    expect(snap.seqId).toBeUndefined();
    expect(snap.prevSeqId).toBeUndefined();
    const [update] = books(decode(lines[1].frame));
    expect(update.change.isSnapshot).toBe(false);
    expect(update.wire.asks.length + update.wire.bids.length).toBeGreaterThan(0);
  });

  it('reads the current books shape with seqId and prevSeqId', () => {
    const frame =
      '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["30249.4","0","0","0"]],' +
      '"bids":[["30182.6","0.5","0","1"]],"ts":"1652459225464","checksum":-914047754,"prevSeqId":123456,"seqId":123470}]}';
    const [e] = books(decode(frame));
    expect(e).toMatchObject({ seqId: 123470, prevSeqId: 123456, checksum: -914047754 });
    expect(e.change).toMatchObject({
      sequence: 123470,
      isSnapshot: false,
      asks: [[30249.4, 0]],
      bids: [[30182.6, 0.5]],
    });
    expect(e.wire.asks).toEqual([['30249.4', '0', '0', '0']]);
  });
});

describe('decodeOkxFrame: candles, control messages', () => {
  const candle = (confirm: string): string =>
    `{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1652459220000","30236","30250.1","30220","30243.5","1.25","37800.5","37800.5","${confirm}"]]}`;

  it('emits a bar only once the candle is closed (confirm "1")', () => {
    expect(decode(candle('0'))).toEqual([]);
    const [b] = decode(candle('1'), 5) as Bar[];
    expect(b).toEqual({
      type: 'bar',
      exchange: 'okx',
      symbol: 'BTC/USDT',
      timestamp: 1652459220000,
      localTimestamp: 5,
      interval: '1m',
      open: 30236,
      high: 30250.1,
      low: 30220,
      close: 30243.5,
      volume: 1.25,
    });
    expect(candleInterval('candle1H')).toBe('1h');
    expect(candleInterval('tickers')).toBeUndefined();
  });

  it('reads acks and errors as control replies, the text id back as a number', () => {
    expect(
      decode(
        '{"id":"17","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}',
      ),
    ).toEqual([{ type: 'reply', reply: { ok: true, id: 17 } }]);
    expect(decode('{"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"}}')).toEqual([
      { type: 'reply', reply: { ok: true, id: undefined } },
    ]);
    expect(
      decode(
        '{"id":"3","event":"error","code":"60018","msg":"Wrong URL or channel:books,instId:NOPE-USDT doesn\'t exist.","connId":"x"}',
      ),
    ).toEqual([
      {
        type: 'reply',
        reply: {
          ok: false,
          id: 3,
          code: '60018',
          message: "Wrong URL or channel:books,instId:NOPE-USDT doesn't exist.",
        },
      },
    ]);
    expect(decode('{"id":"client-a","event":"error","code":"60012","msg":"Invalid request"}')).toEqual([
      { type: 'reply', reply: { ok: false, id: undefined, code: '60012', message: 'Invalid request' } },
    ]);
    expect(
      decode(
        '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade."}',
      ),
    ).toEqual([
      { type: 'notice', code: '64008', message: 'The connection will soon be closed for a service upgrade.' },
    ]);
    expect(decode('pong')).toEqual([{ type: 'pong' }]);
  });

  it('throws a DecodeError naming the problem for bad or unknown input', () => {
    const cases: [string, RegExp][] = [
      ['{"arg":', /malformed JSON/],
      ['[1,2]', /field frame is not an object/],
      ['{"foo":1}', /neither an event nor an arg/],
      ['{"event":"login","code":"0"}', /unknown event "login"/],
      ['{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[]}', /unknown channel "books5"/],
      [BTC_TRADE.replace('"buy"', '"long"'), /side is not buy or sell/],
      [BTC_TRADE.replace('"30236"', '"abc"'), /field px is not a decimal string/],
      ['{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"partial","data":[]}', /action "partial"/],
      [
        '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1"]],"bids":[],"ts":"1"}]}',
        /asks\[0\] is not a \[price, size, …\] level/,
      ],
      [
        '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1","2","3","4","5","6","7"]]}',
        /7 fields/,
      ],
    ];
    for (const [frame, message] of cases) {
      expect(() => decode(frame), frame).toThrow(DecodeError);
      expect(() => decode(frame), frame).toThrow(message);
    }
  });

  it('refuses a non-spot instId with the default symbol map', () => {
    const future = BTC_TRADE.replaceAll('BTC-USDT', 'BTC-USD-220527');
    expect(() => decodeOkxFrame(future, 1)).toThrow(/BTC-USD-220527" is not BASE-QUOTE/);
    expect((decodeOkxFrame(BTC_TRADE, 1)[0] as Trade).symbol).toBe('BTC/USDT');
  });
});
