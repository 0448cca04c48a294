import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OKX_SPOT_INSTRUMENTS, orderedInstrument } from './instruments.js';
import { pairFromInstrument } from './symbols.js';

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/instruments-spot.json', import.meta.url), 'utf8'),
) as {
  data: Record<string, string>[];
};

describe('OKX_SPOT_INSTRUMENTS', () => {
  it('holds the real BTC-USDT and ETH-USDT entries, every field and value, in the real key order', () => {
    expect([...OKX_SPOT_INSTRUMENTS.keys()]).toEqual(['BTC-USDT', 'ETH-USDT']);
    for (const real of fixture.data) {
      const builtIn = orderedInstrument(OKX_SPOT_INSTRUMENTS.get(real.instId)!);
      expect(JSON.stringify(builtIn)).toBe(JSON.stringify(real));
    }
  });

  it('reads as the pairs with the real grid', () => {
    const btc = pairFromInstrument(OKX_SPOT_INSTRUMENTS.get('BTC-USDT')!);
    const eth = pairFromInstrument(OKX_SPOT_INSTRUMENTS.get('ETH-USDT')!);
    expect([btc.tickSize, btc.lotSize, btc.minSize]).toEqual([0.1, 0.00000001, 0.00001]);
    expect([eth.tickSize, eth.lotSize, eth.minSize]).toEqual([0.01, 0.000001, 0.001]);
  });
});
