import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { splitBinanceSymbol, toBinanceSymbol, toCanonicalSymbol } from './symbols.js';

interface ExchangeInfoSymbol {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
}

/** The real exchangeInfo captured from api.binance.com (2021-10-12), see fixtures/README.md. */
function realSymbols(): ExchangeInfoSymbol[] {
  const line = readFileSync(fileURLToPath(new URL('./fixtures/exchangeInfo.json', import.meta.url)), 'utf8');
  return (JSON.parse(line) as { symbols: ExchangeInfoSymbol[] }).symbols;
}

describe('binance symbols', () => {
  it('maps both ways', () => {
    expect(toCanonicalSymbol('btcusdt')).toBe('BTC/USDT');
    expect(toCanonicalSymbol('ETHBTC')).toBe('ETH/BTC');
    expect(toBinanceSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(toBinanceSymbol('eth-usdt')).toBe('ETHUSDT');
  });

  it('splits the real exchangeInfo symbols with USDT, BTC or ETH quotes exactly as Binance does', () => {
    const symbols = realSymbols().filter((s) => ['USDT', 'BTC', 'ETH', 'BUSD', 'EUR'].includes(s.quoteAsset));
    expect(symbols.length).toBeGreaterThan(500);
    const wrong = symbols.filter((s) => {
      const parts = splitBinanceSymbol(s.symbol);
      return parts?.base !== s.baseAsset || parts.quote !== s.quoteAsset;
    });
    expect(wrong.map((s) => s.symbol)).toEqual([]);
  });
});
