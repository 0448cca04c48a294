import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DecodeError } from '../../core/errors.js';
import { ASSET_PAIR_FIELDS_SINCE_2021, KRAKEN_ASSET_PAIRS } from './asset-pairs.js';
import { KRAKEN_PAIRS, KrakenPairs, restResult, v2SymbolOf } from './symbols.js';
import type { KrakenRestAssetPair, KrakenRestResponse } from './wire.js';

/** The real AssetPairs entries of XXBTZUSD and XETHZUSD (2021-04-17), see fixtures/README.md. */
function realAssetPairs(): KrakenRestResponse<Record<string, KrakenRestAssetPair>> {
  const path = fileURLToPath(new URL('./fixtures/asset-pairs.json', import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8')) as KrakenRestResponse<Record<string, KrakenRestAssetPair>>;
}

describe('Kraken pair names', () => {
  const real = KrakenPairs.fromAssetPairs(realAssetPairs());

  it('reads all four names and both precisions from the real AssetPairs entries', () => {
    expect(real.list()).toEqual([
      {
        symbol: 'BTC/USD',
        altname: 'XBTUSD',
        restKey: 'XXBTZUSD',
        wsname: 'XBT/USD',
        priceDecimals: 1,
        qtyDecimals: 8,
      },
      {
        symbol: 'ETH/USD',
        altname: 'ETHUSD',
        restKey: 'XETHZUSD',
        wsname: 'ETH/USD',
        priceDecimals: 2,
        qtyDecimals: 8,
      },
    ]);
  });

  it('finds a pair by any of its names, in any case or separator', () => {
    for (const name of ['BTC/USD', 'btc-usd', 'XBTUSD', 'xxbtzusd', 'XBT/USD', 'btc_usd']) {
      expect(real.find(name)?.symbol).toBe('BTC/USD');
    }
    expect(real.find('ETHUSD')?.restKey).toBe('XETHZUSD');
    expect(real.find('SOL/USD')).toBeUndefined();
    expect(() => real.get('SOL/USD')).toThrow(ConfigError);
    expect(() => real.get('SOL/USD')).toThrow(/known pairs: BTC\/USD, ETH\/USD/);
  });

  it('maps the legacy asset codes v2 does not accept', () => {
    expect(v2SymbolOf('XBT/USD')).toBe('BTC/USD');
    expect(v2SymbolOf('XDG/EUR')).toBe('DOGE/EUR');
    expect(v2SymbolOf('ETH/XBT')).toBe('ETH/BTC');
    expect(v2SymbolOf('ADA/USD')).toBe('ADA/USD');
  });

  it('skips entries that cannot be streamed and names a broken one', () => {
    const body = realAssetPairs();
    const { wsname: _dropped, ...dark } = body.result!.XXBTZUSD;
    const pairs = KrakenPairs.fromAssetPairs({ error: [], result: { 'XXBTZUSD.d': dark } });
    expect(pairs.list()).toEqual([]);
    const broken = { error: [], result: { XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD' } } };
    expect(() => KrakenPairs.fromAssetPairs(broken)).toThrow(/entry XXBTZUSD lacks/);
  });
});

describe('restResult', () => {
  it('returns the result and turns Kraken’s error strings into a DecodeError', () => {
    expect(restResult({ error: [], result: { unixtime: 1 } }, 'Time')).toEqual({ unixtime: 1 });
    expect(() => restResult({ error: ['EQuery:Unknown asset pair'] }, 'Depth')).toThrow(DecodeError);
    expect(() => restResult({ error: ['EQuery:Unknown asset pair'] }, 'Depth')).toThrow(
      'kraken: Depth answered EQuery:Unknown asset pair',
    );
    expect(() => restResult('<html>', 'Depth')).toThrow(/Depth body is not/);
    expect(() => restResult({ error: [], result: null }, 'Depth')).toThrow(/no result object/);
  });
});

describe('KRAKEN_ASSET_PAIRS', () => {
  it('holds the real 2021 entries, plus only the fields added since, in Kraken’s order', () => {
    const real = realAssetPairs().result!;
    expect(Object.keys(KRAKEN_ASSET_PAIRS)).toEqual(Object.keys(real));
    for (const [key, entry] of Object.entries(KRAKEN_ASSET_PAIRS)) {
      const since2021: readonly string[] = ASSET_PAIR_FIELDS_SINCE_2021;
      const old = Object.fromEntries(Object.entries(entry).filter(([field]) => !since2021.includes(field)));
      expect(JSON.stringify(old)).toBe(JSON.stringify(real[key]));
      expect(Object.keys(entry).filter((field) => since2021.includes(field))).toEqual([...since2021]);
    }
    expect(KRAKEN_ASSET_PAIRS.XXBTZUSD.tick_size).toBe('0.1');
    expect(KRAKEN_ASSET_PAIRS.XETHZUSD.tick_size).toBe('0.01');
  });

  it('gives the built-in pairs', () => {
    expect(KRAKEN_PAIRS.get('BTC/USD')).toMatchObject({
      restKey: 'XXBTZUSD',
      priceDecimals: 1,
      qtyDecimals: 8,
    });
    expect(KRAKEN_PAIRS.get('ETH/USD')).toMatchObject({
      altname: 'ETHUSD',
      priceDecimals: 2,
      qtyDecimals: 8,
    });
  });
});
