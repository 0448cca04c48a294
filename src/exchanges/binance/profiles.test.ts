import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { symbolInfo } from './generate-format.js';
import { BINANCE_PROFILES, binanceProfileFor } from './profiles.js';

function realSymbol(symbol: string): unknown {
  const path = fileURLToPath(new URL('./fixtures/exchangeInfo.json', import.meta.url));
  const info = JSON.parse(readFileSync(path, 'utf8')) as { symbols: { symbol: string }[] };
  return info.symbols.find((s) => s.symbol === symbol);
}

describe('symbol profiles', () => {
  it('carry the real exchangeInfo entry of every symbol', () => {
    for (const profile of BINANCE_PROFILES.values())
      expect(symbolInfo(profile)).toEqual(realSymbol(profile.symbol));
  });

  it('look symbols up case-insensitively and name the supported ones otherwise', () => {
    expect(binanceProfileFor('btcusdt').symbol).toBe('BTCUSDT');
    expect(() => binanceProfileFor('DOGEUSDT')).toThrow(ConfigError);
    expect(() => binanceProfileFor('DOGEUSDT')).toThrow(/BTCUSDT, ETHUSDT/);
  });
});
