import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus/bus.js';
import type { NormalizedMessage, Status, Ticker, Trade } from '../core/types.js';
import { decodeBinanceFrame } from '../exchanges/binance/codec.js';
import { decodeOkxFrame } from '../exchanges/okx/codec.js';
import { canonicalSymbolOf } from '../exchanges/okx/symbols.js';
import { compactJson, compactPayload, wireFormatOf } from './compact.js';

/** `<ts>: <frame>` lines of a real capture (src/exchanges/<venue>/fixtures/README.md). */
function captured(venue: string, file: string): string[] {
  const url = new URL(`../exchanges/${venue}/fixtures/${file}`, import.meta.url);
  return readFileSync(fileURLToPath(url), 'utf8')
    .split('\n')
    .filter((line) => /^\d/.test(line) && line.includes(': {'))
    .map((line) => line.slice(line.indexOf(': ') + 2));
}

const binance: NormalizedMessage[] = captured('binance', 'combined-stream.ws.txt').flatMap((f) =>
  decodeBinanceFrame(f, 1),
);
/** The capture also holds a future and a swap; their instIds stay as they are. */
const anyInstrument = (instId: string): string =>
  instId.split('-').length === 2 ? canonicalSymbolOf(instId) : instId;
const okx: NormalizedMessage[] = captured('okx', 'public.ws.txt').flatMap((f) =>
  decodeOkxFrame(f, 1, [], anyInstrument).filter(
    (d): d is Trade | Ticker => d.type === 'trade' || d.type === 'ticker',
  ),
);

const parse = (msg: NormalizedMessage): Record<string, unknown> =>
  JSON.parse(compactJson(msg)) as Record<string, unknown>;

describe('compact shapes on real captures', () => {
  it('the captures hold every type the shapes cover', () => {
    const types = new Set([...binance, ...okx].map((m) => m.type));
    expect([...types].sort()).toEqual(['bar', 'book_change', 'quote', 'ticker', 'trade']);
  });

  it('trade {e,t,m,p,q,s}: id, buyer is maker (taker sold), price, amount, symbol', () => {
    const trades = [...binance, ...okx].filter((m): m is Trade => m.type === 'trade');
    expect(trades.length).toBeGreaterThan(50);
    for (const t of trades) {
      const c = parse(t);
      expect(Object.keys(c)).toEqual(['e', 't', 'm', 'p', 'q', 's']);
      expect(c).toEqual({
        e: 'trade',
        t: Number(t.id),
        m: t.side === 'sell',
        p: t.price,
        q: t.amount,
        s: t.symbol,
      });
    }
    const okxTrade = okx.find((m): m is Trade => m.type === 'trade' && m.side === 'buy');
    expect(okxTrade && parse(okxTrade).m).toBe(false);
  });

  it('depth {e,a,b}: the changed levels of a book_change as [price, amount] numbers', () => {
    const changes = binance.filter((m) => m.type === 'book_change');
    expect(changes.length).toBe(177);
    for (const m of changes) {
      if (m.type !== 'book_change') continue;
      expect(parse(m)).toEqual({ e: 'depth', a: m.asks, b: m.bids });
    }
    const first = changes[0];
    expect(compactJson(first)).toBe('{"e":"depth","a":[],"b":[[0.3513,6195],[0.3475,5548],[0.3464,6222]]}');
  });

  it('ticker {e,c,b,a,s}, quote {e,b,B,a,A,s}, bar {e,i,E,o,h,l,c,v,s}', () => {
    const ticker = okx.find((m): m is Ticker => m.type === 'ticker');
    if (ticker === undefined) throw new Error('no ticker in the capture');
    expect(parse(ticker)).toEqual({
      e: 'ticker',
      c: ticker.last,
      b: ticker.bid,
      a: ticker.ask,
      s: ticker.symbol,
    });
    for (const m of binance) {
      if (m.type === 'quote') {
        expect(parse(m)).toEqual({ e: 'quote', b: m.bid, B: m.bidSize, a: m.ask, A: m.askSize, s: m.symbol });
      } else if (m.type === 'bar') {
        expect(parse(m)).toEqual({
          e: 'bar',
          i: m.interval,
          E: m.timestamp,
          o: m.open,
          h: m.high,
          l: m.low,
          c: m.close,
          v: m.volume,
          s: m.symbol,
        });
      }
    }
  });

  it('is at most half the size of the full JSON for trades and tickers', () => {
    for (const m of [...binance, ...okx]) {
      if (m.type !== 'trade' && m.type !== 'ticker') continue;
      expect(compactJson(m).length * 2).toBeLessThanOrEqual(JSON.stringify(m).length);
    }
  });
});

describe('compact edge cases', () => {
  const base = { exchange: 'alpaca', symbol: 'AAPL', timestamp: 5, localTimestamp: 6 } as const;

  it('trade ids: an integer id becomes a number, any other stays a string; an unknown side gives m:null', () => {
    const t: Trade = { ...base, type: 'trade', id: 'abc-1', price: 190.5, amount: 3, side: 'unknown' };
    expect(compactJson(t)).toBe('{"e":"trade","t":"abc-1","m":null,"p":190.5,"q":3,"s":"AAPL"}');
    expect(parse({ ...t, id: '0012' }).t).toBe('0012');
    expect(parse({ ...t, id: '12345678901234567890' }).t).toBe('12345678901234567890');
    expect(parse({ ...t, id: '42', side: 'sell' })).toMatchObject({ t: 42, m: true });
  });

  it('a book_change that replaces the book says r:true; a book snapshot is {e:"book",a,b}', () => {
    const levels = { bids: [[1, 2]] as const, asks: [[3, 4]] as const, sequence: 9 };
    const change: NormalizedMessage = { ...base, type: 'book_change', ...levels, isSnapshot: true };
    expect(compactJson(change)).toBe('{"e":"depth","a":[[3,4]],"b":[[1,2]],"r":true}');
    const book: NormalizedMessage = { ...base, type: 'book_snapshot', depth: 20, ...levels };
    expect(compactJson(book)).toBe('{"e":"book","a":[[3,4]],"b":[[1,2]]}');
  });

  it('status is sent as it is: the bus JSON itself', () => {
    const status: Status = { ...base, type: 'status', state: 'stale', reason: 'no data for 5 s' };
    const message: BusMessage = {
      topic: 'status@AAPL',
      data: status,
      json: JSON.stringify(status),
      position: { offset: 1, epoch: 'e' },
    };
    expect(compactPayload(message)).toBe(message.json);
  });
});

describe('wireFormatOf', () => {
  it('defaults to json and reads compact in any case', () => {
    expect(wireFormatOf('/ws')).toEqual({ ok: true, format: 'json' });
    expect(wireFormatOf('/ws?token=x')).toEqual({ ok: true, format: 'json' });
    expect(wireFormatOf('/ws?format=compact')).toEqual({ ok: true, format: 'compact' });
    expect(wireFormatOf('/ws?a=1&format=COMPACT')).toEqual({ ok: true, format: 'compact' });
    expect(wireFormatOf('/ws?format=json')).toEqual({ ok: true, format: 'json' });
  });

  it('refuses an unknown, empty or repeated format, saying what to send', () => {
    expect(wireFormatOf('/ws?format=msgpack')).toEqual({
      ok: false,
      error: "unknown format 'msgpack': use ?format=compact for the short shapes or leave format out (json)",
    });
    expect(wireFormatOf('/ws?format=')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unknown format ''/),
    });
    expect(wireFormatOf('/ws?format=compact&format=json')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/format is given 2 times; give it once/),
    });
    const long = wireFormatOf('/ws?format=' + 'x'.repeat(500));
    expect(long.ok === false && long.error.length).toBeLessThan(150);
  });
});
