import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { allSymbols, symbolsPerExchange } from './symbols.js';

describe('symbolsPerExchange', () => {
  it('gives each exchange its sample pairs, or the listed symbols to all of them', () => {
    const both = symbolsPerExchange({ exchanges: ['binance', 'kraken'], symbols: undefined });
    expect([...both]).toEqual([
      ['binance', ['BTC/USDT', 'ETH/USDT']],
      ['kraken', ['BTC/USD', 'ETH/USD']],
    ]);
    expect(allSymbols(both)).toEqual(['BTC/USDT', 'ETH/USDT', 'BTC/USD', 'ETH/USD']);
    expect([...symbolsPerExchange({ exchanges: ['kraken'], symbols: ['ETH/USD'] })]).toEqual([
      ['kraken', ['ETH/USD']],
    ]);
  });

  it('refuses a listed symbol one of the exchanges has no pair for, before anything starts', () => {
    const run = () => symbolsPerExchange({ exchanges: ['binance', 'kraken'], symbols: ['BTC/USDT'] });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      '"symbols" applies to every exchange, and Kraken has no pair BTC/USDT (kraken: unknown pair "BTC/USDT"; ' +
        'known pairs: BTC/USD, ETH/USD); name the exchanges it is for with --exchanges',
    );
  });
});
