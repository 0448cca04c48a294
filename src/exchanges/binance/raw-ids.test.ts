import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { depthUpdateIds, readTrade, snapshotUpdateId, type TradeFacts } from './raw-ids.js';
import type { BinanceTradeEvent } from './wire.js';

const decimal = fc
  .tuple(fc.nat({ max: 10_000_000 }), fc.nat({ max: 99_999_999 }))
  .map(([w, f]) => `${w}.${String(f).padStart(8, '0')}`);

const trade = fc.record<BinanceTradeEvent>({
  e: fc.constant('trade'),
  E: fc.nat({ max: 2 ** 45 }),
  // Any text, quotes and keys inside included: only the event's own keys may be read.
  s: fc.oneof(
    fc.stringMatching(/^[A-Z0-9]{2,12}$/),
    fc.string({ unit: 'binary' }),
    fc.constant('"t":9,"p":"1"'),
  ),
  t: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  p: decimal,
  q: decimal,
  T: fc.nat({ max: 2 ** 45 }),
  m: fc.boolean(),
  M: fc.boolean(),
});

const blank = (): TradeFacts => ({ t: 0, p: '', q: '', T: 0, m: false });

describe('raw Binance fields', () => {
  it('read a trade event as JSON.parse would, whatever its values', () => {
    fc.assert(
      fc.property(trade, (t) => {
        const out = blank();
        expect(readTrade(Buffer.from(JSON.stringify(t)), out)).toBe(true);
        expect(out).toEqual({ t: t.t, p: t.p, q: t.q, T: t.T, m: t.m });
      }),
      { numRuns: 500 },
    );
  });

  it('leave a trade to the parser when a field is missing or not plain', () => {
    const t = { e: 'trade', E: 1, s: 'BTCUSDT', t: 5, p: '1.0', q: '2.0', T: 3, m: true, M: true };
    const { m: _m, ...noSide } = t;
    expect(readTrade(Buffer.from(JSON.stringify(noSide)), blank())).toBe(false);
    expect(readTrade(Buffer.from(JSON.stringify({ ...t, p: 'a"b' })), blank())).toBe(false);
    expect(readTrade(Buffer.from(JSON.stringify({ ...t, t: 'x' })), blank())).toBe(false);
  });

  it('read the ids of a real depthUpdate and of a REST depth body', () => {
    const real = Buffer.from(
      '{"e":"depthUpdate","E":1752433492288,"s":"BTCUSDT","U":2785678340,"u":2785678342,"b":[],"a":[["119055.60000000","0.00060000"]]}',
    );
    expect(depthUpdateIds(real)).toEqual({ first: 2785678340, last: 2785678342 });
    expect(snapshotUpdateId(Buffer.from('{"lastUpdateId":77,"bids":[],"asks":[]}'))).toBe(77);
    expect(depthUpdateIds(Buffer.from('{"e":"depthUpdate","b":[]}'))).toBeUndefined();
  });
});
