import { decode, decodeTimestampToTimeSpec, ExtensionCodec } from '@msgpack/msgpack';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  encodeFrame,
  encodeMessage,
  formatTimeSpec,
  frameJoiner,
  parseRfc3339,
  rfc3339Millis,
} from './encoder.js';
import type { AlpacaTradeMessage } from './wire.js';

const specs = new ExtensionCodec();
specs.register({ type: -1, encode: () => null, decode: (d: Uint8Array) => decodeTimestampToTimeSpec(d) });

const trade = (i: number, t = '2021-02-22T15:51:44.208Z'): AlpacaTradeMessage => ({
  T: 't',
  S: 'AAPL',
  i,
  x: 'V',
  p: 126.55,
  s: 1,
  c: ['@', 'I'],
  t,
  z: 'C',
});

describe('Alpaca encoder', () => {
  it('reads RFC3339 with up to nanoseconds and writes it back with only the digits needed', () => {
    expect(parseRfc3339('2021-02-22T15:51:45.335689322Z')).toEqual({ sec: 1614009105, nsec: 335_689_322 });
    expect(parseRfc3339('2021-02-22T10:51:45.1-05:00')).toEqual({ sec: 1614009105, nsec: 100_000_000 });
    expect(parseRfc3339('2021-02-22 15:51:45Z')).toBeUndefined();
    expect(rfc3339Millis('2021-02-22T15:51:45.335689322Z')).toBe(1614009105335);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (sec, nsec) => {
          const text = formatTimeSpec({ sec, nsec });
          expect(text).not.toMatch(/\.\d*0Z$/);
          expect(parseRfc3339(text)).toEqual({ sec, nsec });
        },
      ),
    );
  });

  it('encodes MessagePack timestamps as extension -1 with the nanoseconds', () => {
    const packed = encodeFrame([trade(1, '2021-02-22T15:51:45.335689322Z')], 'msgpack') as Buffer;
    const [m] = decode(packed, { extensionCodec: specs }) as Array<Record<string, unknown>>;
    expect(m.t).toEqual({ sec: 1614009105, nsec: 335_689_322 });
    expect({ ...m, t: undefined }).toEqual({ ...trade(1), t: undefined });
    expect(encodeFrame([trade(1)], 'json')).toBe(JSON.stringify([trade(1)]));
  });

  it('joins queued messages into one array, across the MessagePack array header sizes', () => {
    for (const n of [1, 15, 16, 300, 65_536]) {
      const items = Array.from({ length: n }, (_, i) => trade(i));
      const joined = frameJoiner('msgpack').join(items.map((m) => encodeMessage(m, 'msgpack')));
      const back = decode(joined) as Array<Record<string, unknown>>;
      expect(back.length, String(n)).toBe(n);
      expect(back[n - 1].i).toBe(n - 1);
      if (n <= 300) {
        const text = frameJoiner('json').join(items.map((m) => encodeMessage(m, 'json')));
        expect(JSON.parse(text.toString())).toEqual(items);
      }
    }
    expect(frameJoiner('msgpack').binary).toBe(true);
    expect(frameJoiner('json').binary).toBe(false);
  });

  it('reads client frames by their opcode, undefined when unreadable', () => {
    const auth = { action: 'auth', key: 'k', secret: 's' };
    expect(decodeClientFrame(Buffer.from(JSON.stringify(auth)), false)).toEqual(auth);
    const packed = encodeFrame([{ T: 'success', msg: 'connected' }], 'msgpack') as Buffer;
    expect(decodeClientFrame(packed, true)).toEqual([{ T: 'success', msg: 'connected' }]);
    expect(decodeClientFrame(Buffer.from('{'), false)).toBeUndefined();
    expect(decodeClientFrame(Buffer.from([0xc1]), true)).toBeUndefined();
  });
});
