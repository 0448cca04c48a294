import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../core/errors.js';
import { canonicalSymbolOf, instIdOf, pairFromInstrument, type OkxSpotInstrument } from './symbols.js';

const body = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/instruments-spot.json', import.meta.url)), 'utf8'),
) as { code: string; msg: string; data: OkxSpotInstrument[] };

describe('OKX symbols', () => {
  it('maps BTC-USDT to BTC/USDT and back', () => {
    expect(canonicalSymbolOf('BTC-USDT')).toBe('BTC/USDT');
    expect(instIdOf('ETH/USDT')).toBe('ETH-USDT');
  });

  it('refuses ids that are not BASE-QUOTE, naming them', () => {
    expect(() => canonicalSymbolOf('BTC-USD-SWAP')).toThrow(DecodeError);
    expect(() => canonicalSymbolOf('BTCUSDT')).toThrow(/"BTCUSDT"/);
    expect(() => instIdOf('BTC-USDT')).toThrow(/"BTC-USDT"/);
  });

  it('reads tick and lot sizes from the real instruments entries', () => {
    expect(body.code).toBe('0');
    const pairs = body.data.map(pairFromInstrument);
    expect(pairs[0]).toEqual({
      symbol: 'BTC/USDT',
      instId: 'BTC-USDT',
      tickSize: 0.1,
      lotSize: 0.00000001,
      minSize: 0.00001,
    });
    expect(pairs[1].symbol).toBe('ETH/USDT');
    expect(pairs.map((p) => canonicalSymbolOf(p.instId))).toEqual(pairs.map((p) => p.symbol));
  });

  it('refuses a non-SPOT entry or a bad size, naming the field', () => {
    expect(() => pairFromInstrument({ ...body.data[0], instType: 'SWAP' })).toThrow(/SWAP/);
    expect(() => pairFromInstrument({ ...body.data[0], tickSz: '' })).toThrow(/BTC-USDT: tickSz ""/);
    expect(() => pairFromInstrument({ ...body.data[0], lotSz: '-1' })).toThrow(/lotSz/);
    expect(() => pairFromInstrument({ ...body.data[0], minSz: '0' })).toThrow(/minSz "0"/);
  });
});
