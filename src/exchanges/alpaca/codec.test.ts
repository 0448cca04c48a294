import { readFileSync } from 'node:fs';
import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { decimalMid } from '../../core/decimal.js';
import { DecodeError } from '../../core/errors.js';
import { decodeAlpacaFrame, type AlpacaDecoded } from './codec.js';

/** The documented example frames (fixtures/README.md), one per line. */
const DOC = readFileSync(new URL('./fixtures/stream.ws.txt', import.meta.url), 'utf8')
  .trim()
  .split('\n');
const AT = 1_700_000_000_000;

function decode(frame: string | Uint8Array): AlpacaDecoded[] {
  return decodeAlpacaFrame(frame, AT);
}

describe('decodeAlpacaFrame on the documented messages', () => {
  it('control messages: connected, authenticated, the subscription state, an error', () => {
    expect(decode(DOC[0])).toEqual([{ type: 'connected' }]);
    expect(decode(DOC[1])).toEqual([{ type: 'authenticated' }]);
    expect(decode(DOC[2])).toEqual([
      {
        type: 'subscription',
        state: {
          trades: ['AAPL'],
          quotes: ['AMD', 'CLDR'],
          bars: ['*'],
          updatedBars: [],
          dailyBars: [],
          statuses: [],
        },
      },
    ]);
    expect(decode(DOC[6])).toEqual([{ type: 'error', code: 406, message: 'connection limit exceeded' }]);
  });

  it('t → trade: id = the trade id, side unknown (Alpaca names no aggressor), time in ms', () => {
    expect(decode(DOC[3])).toEqual([
      {
        type: 'trade',
        exchange: 'alpaca',
        symbol: 'AAPL',
        timestamp: Date.UTC(2021, 1, 22, 15, 51, 44, 208),
        localTimestamp: AT,
        id: '52983525029461',
        price: 126.55,
        amount: 1,
        side: 'unknown',
      },
    ]);
  });

  it('q → quote with the exact mid; nanosecond digits below the ms are dropped', () => {
    expect(decode(DOC[4])).toEqual([
      {
        type: 'quote',
        exchange: 'alpaca',
        symbol: 'AMD',
        timestamp: Date.UTC(2021, 1, 22, 15, 51, 45, 335),
        localTimestamp: AT,
        bid: 87.66,
        bidSize: 1,
        ask: 87.68,
        askSize: 4,
        mid: 87.67,
      },
    ]);
  });

  it('b → 1m bar at the minute start', () => {
    expect(decode(DOC[5])).toEqual([
      {
        type: 'bar',
        exchange: 'alpaca',
        symbol: 'SPY',
        timestamp: Date.UTC(2021, 1, 22, 19, 15),
        localTimestamp: AT,
        interval: '1m',
        open: 388.985,
        high: 389.13,
        low: 388.975,
        close: 389.12,
        volume: 49378,
      },
    ]);
  });

  it('a frame of several messages decodes each, in order; u, d and s decode to nothing', () => {
    const msgs = [DOC[3], DOC[4], DOC[5]].map((f) => (JSON.parse(f) as unknown[])[0]);
    const bar = msgs[2] as Record<string, unknown>;
    const frame = JSON.stringify([
      ...msgs,
      { ...bar, T: 'u' },
      { ...bar, T: 'd' },
      { T: 's', S: 'AAPL', sc: 'H', sm: 'Trading Halt', rc: 'T12', rm: 'News', t: bar.t, z: 'C' },
    ]);
    expect(decode(frame).map((m) => m.type)).toEqual(['trade', 'quote', 'bar']);
  });

  it('MessagePack frames decode the same, timestamps from the timestamp extension', () => {
    const trade = { ...(JSON.parse(DOC[3]) as Array<Record<string, unknown>>)[0] };
    trade.t = new Date(Date.UTC(2021, 1, 22, 15, 51, 44, 208));
    expect(decode(encodeMsgpack([trade]))).toEqual(decode(DOC[3]));
    expect(decode(encodeMsgpack(JSON.parse(DOC[1])))).toEqual([{ type: 'authenticated' }]);
  });
});

describe('exact mid', () => {
  it.each([
    [87.66, 87.68, 87.67],
    [0.1, 0.2, 0.15], // float: 0.15000000000000002
    [1.005, 1.015, 1.01], // float: 1.0099999999999998
    [0.07, 0.08, 0.075], // float: 0.07500000000000001
    [123456.78, 123456.79, 123456.785],
    [4.1, 4.1, 4.1],
    [10, 10.01, 10.005],
    [0, 12.5, 6.25],
  ])('mid(%s, %s) = %s', (bid, ask, mid) => {
    expect(decimalMid(bid, ask)).toBe(mid);
    const frame = JSON.stringify([
      {
        T: 'q',
        S: 'X',
        bp: bid,
        bs: 1,
        ap: ask,
        as: 1,
        bx: 'V',
        ax: 'V',
        t: '2024-01-02T15:00:00Z',
        c: [],
        z: 'C',
      },
    ]);
    expect((decode(frame)[0] as { mid: number }).mid).toBe(mid);
  });
});

describe('bad frames: a DecodeError naming the problem, never a crash', () => {
  const trade = (JSON.parse(DOC[3]) as Array<Record<string, unknown>>)[0];
  it.each([
    ['not JSON', '[{"T":"t"', /malformed JSON frame/],
    ['not an array', '{"T":"success","msg":"connected"}', /not an array of messages/],
    ['a message not an object', '[42]', /message 0 is not an object/],
    ['no T', '[{"S":"AAPL"}]', /field T is not a non-empty string/],
    ['unknown T', '[{"T":"zz"}]', /unknown message type T="zz"/],
    ['price as text', JSON.stringify([{ ...trade, p: '126.55' }]), /field p is not a number >= 0/],
    ['negative size', JSON.stringify([{ ...trade, s: -1 }]), /field s is not a number >= 0/],
    ['bad time', JSON.stringify([{ ...trade, t: '2021-02-22 15:51:44' }]), /field t is not an RFC3339 time/],
    ['month 13', JSON.stringify([{ ...trade, t: '2021-13-22T15:51:44Z' }]), /field t is not an RFC3339 time/],
    ['fractional trade id', JSON.stringify([{ ...trade, i: 1.5 }]), /field i is not an integer/],
    ['bad success', '[{"T":"success","msg":"welcome"}]', /success msg "welcome"/],
    [
      'bad subscription list',
      '[{"T":"subscription","trades":"AAPL"}]',
      /field trades is not a list of strings/,
    ],
    ['bad MessagePack', new Uint8Array([0xc1]), /malformed MessagePack frame \(1 bytes\)/],
  ])('%s', (_what, frame, message) => {
    expect(() => decode(frame)).toThrow(DecodeError);
    expect(() => decode(frame)).toThrow(message);
  });

  it('one bad message costs only itself: the good ones are decoded, the error counts the bad', () => {
    const out: AlpacaDecoded[] = [];
    const frame = JSON.stringify([trade, { ...trade, p: null }, trade]);
    expect(() => decodeAlpacaFrame(frame, AT, out)).toThrow(
      /field p is not a number >= 0 \(1 of 3 messages\)/,
    );
    expect(out.map((m) => m.type)).toEqual(['trade', 'trade']);
  });
});
