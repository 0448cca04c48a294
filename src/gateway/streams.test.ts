import { describe, expect, it } from 'vitest';
import { formatStream, isStatefulStream, parseStream, parseSymbol } from './streams.js';

function error(input: string): string {
  const r = parseStream(input);
  if (r.ok) throw new Error(`expected '${input}' to be rejected`);
  return r.error;
}

describe('parseStream', () => {
  it('parses aggregated and per-exchange names into canonical form', () => {
    expect(parseStream('trade@BTC/USDT')).toEqual({
      ok: true,
      stream: { type: 'trade', exchange: undefined, symbol: 'BTC/USDT' },
      name: 'trade@BTC/USDT',
    });
    expect(parseStream('book@binance:BTC/USDT')).toEqual({
      ok: true,
      stream: { type: 'book', exchange: 'binance', symbol: 'BTC/USDT' },
      name: 'book@binance:BTC/USDT',
    });
  });

  it('normalizes case: symbols upper, types and exchanges lower', () => {
    const r = parseStream('Ticker@OKX:eth/usdt');
    expect(r.ok && r.name).toBe('ticker@okx:ETH/USDT');
    expect(parseStream('trade@btc/usdt').ok && parseStream('trade@btc/usdt')).toMatchObject({
      name: 'trade@BTC/USDT',
    });
  });

  it('accepts every stream type and stock tickers', () => {
    for (const t of ['trade', 'book', 'book_change', 'ticker', 'quote', 'bar', 'status']) {
      expect(parseStream(`${t}@alpaca:AAPL`).ok).toBe(true);
    }
    expect(parseStream('quote@brk.b')).toMatchObject({ ok: true, name: 'quote@BRK.B' });
  });

  it('names the bad part in every error', () => {
    expect(error('')).toMatch(/empty/);
    expect(error('tradeBTC/USDT')).toMatch(/'tradeBTC\/USDT' has no '@'/);
    expect(error('trades@BTC/USDT')).toMatch(/unknown stream type 'trades'.*use one of trade, book/);
    expect(error('trade@binanse:BTC/USDT')).toMatch(
      /unknown exchange 'binanse'.*binance, kraken, okx, alpaca/,
    );
    expect(error('trade@BTC-USDT')).toMatch(/not canonical: use 'BTC\/USDT'/);
    expect(error('trade@BTC/')).toMatch(/symbol 'BTC\/' is not a valid pair/);
    expect(error('trade@')).toMatch(/symbol is empty/);
    expect(error('trade@BTC/USDT/X')).toMatch(/not a valid pair/);
    expect(error('trade@$$$')).toMatch(/symbol '\$\$\$' is not valid/);
    expect(error('trade@' + 'A'.repeat(80))).toMatch(/over the limit of 64/);
  });

  it('round-trips through formatStream', () => {
    const r = parseStream('bar@kraken:SOL/EUR');
    if (!r.ok) throw new Error(r.error);
    expect(formatStream(r.stream)).toBe('bar@kraken:SOL/EUR');
  });
});

describe('parseSymbol / isStatefulStream', () => {
  it('canonicalizes symbols', () => {
    expect(parseSymbol(' eth/btc ')).toEqual({ ok: true, symbol: 'ETH/BTC' });
    expect(parseSymbol('btc_usdt')).toMatchObject({ ok: false });
  });

  it('marks ticker, book, quote and status as stateful', () => {
    expect(isStatefulStream('ticker@BTC/USDT')).toBe(true);
    expect(isStatefulStream('book@binance:BTC/USDT')).toBe(true);
    expect(isStatefulStream('quote@AAPL')).toBe(true);
    expect(isStatefulStream('trade@BTC/USDT')).toBe(false);
    expect(isStatefulStream('book_change@BTC/USDT')).toBe(false);
  });
});
