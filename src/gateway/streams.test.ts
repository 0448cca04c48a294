import { describe, expect, it } from 'vitest';
import {
  formatStream,
  isStatefulStream,
  parseMarket,
  parseStream,
  parseSymbol,
  sourceRefusal,
  type StreamName,
} from './streams.js';

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
      requested: 'trade@BTC/USDT',
    });
    expect(parseStream('book@binance:BTC/USDT')).toEqual({
      ok: true,
      stream: { type: 'book', exchange: 'binance', symbol: 'BTC/USDT' },
      name: 'book@binance:BTC/USDT',
      requested: 'book@binance:BTC/USDT',
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
    expect(error('trade@BTC-USDT-X')).toMatch(
      /market 'BTC-USDT-X' is not valid: use 'BTC\/USDT', 'BTC-USDT' or 'BTC_USDT' \(any case\)/,
    );
    expect(error('trade@BTC_')).toMatch(/market 'BTC_' is not valid/);
    expect(error('trade@BTC/')).toMatch(/symbol 'BTC\/' is not a valid pair/);
    expect(error('trade@')).toMatch(/market is empty/);
    expect(error('trade@BTC/USDT/X')).toMatch(/not a valid pair/);
    expect(error('trade@$$$')).toMatch(/market '\$\$\$' is not valid/);
    expect(error('trade@' + 'A'.repeat(80))).toMatch(/over the limit of 64/);
  });

  it('round-trips through formatStream', () => {
    const r = parseStream('bar@kraken:SOL/EUR');
    if (!r.ok) throw new Error(r.error);
    expect(formatStream(r.stream)).toBe('bar@kraken:SOL/EUR');
  });
});

describe('market spellings', () => {
  it('reads BTC/USDT, BTC-USDT and BTC_USDT in any case as the canonical BTC/USDT', () => {
    for (const spelling of ['BTC/USDT', 'BTC-USDT', 'BTC_USDT', 'btc-usdt', 'btc_usdt', 'Btc/Usdt']) {
      expect(parseMarket(spelling)).toEqual({ ok: true, symbol: 'BTC/USDT' });
      expect(parseStream(`trade@${spelling}`)).toMatchObject({ ok: true, name: 'trade@BTC/USDT' });
      expect(parseStream(`book@okx:${spelling}`)).toMatchObject({ ok: true, name: 'book@okx:BTC/USDT' });
    }
    expect(parseMarket(' eth_btc ')).toEqual({ ok: true, symbol: 'ETH/BTC' });
    expect(parseMarket('aapl')).toEqual({ ok: true, symbol: 'AAPL' });
    expect(parseMarket('BRK.B')).toEqual({ ok: true, symbol: 'BRK.B' });
  });

  it('names the bad market and the accepted spellings', () => {
    const bad = (input: string): string => {
      const r = parseMarket(input);
      if (r.ok) throw new Error(`expected '${input}' to be rejected`);
      return r.error;
    };
    expect(bad('')).toMatch(/market is empty: use 'BTC\/USDT', 'BTC-USDT' or 'BTC_USDT'/);
    expect(bad('BTC--USDT')).toMatch(/market 'BTC--USDT' is not valid/);
    expect(bad('BTC-USDT/EUR')).toMatch(/not a valid pair/);
    expect(bad('BTC USDT')).toMatch(/market 'BTC USDT' is not valid/);
    expect(bad('-USDT')).toMatch(/market '-USDT' is not valid/);
  });

  it('leaves configuration strict: parseSymbol still refuses the separated spellings', () => {
    expect(parseSymbol('BTC-USDT')).toEqual({
      ok: false,
      error: "symbol 'BTC-USDT' is not canonical: use 'BTC/USDT'",
    });
  });
});

describe('depth@ (alias of book_change@)', () => {
  it('parses to the book_change topic and keeps depth in the requested name', () => {
    expect(parseStream('depth@BTC-USDT')).toEqual({
      ok: true,
      stream: { type: 'book_change', exchange: undefined, symbol: 'BTC/USDT' },
      name: 'book_change@BTC/USDT',
      requested: 'depth@BTC/USDT',
    });
    expect(parseStream('DEPTH@Kraken:btc_usd')).toMatchObject({
      ok: true,
      name: 'book_change@kraken:BTC/USD',
      requested: 'depth@kraken:BTC/USD',
    });
    expect(parseStream('book_change@btc/usdt')).toMatchObject({ requested: 'book_change@BTC/USDT' });
  });

  it('is not stateful, like book_change, and is listed among the types in errors', () => {
    const r = parseStream('depth@BTC/USDT');
    expect(r.ok && isStatefulStream(r.name)).toBe(false);
    expect(error('depths@BTC/USDT')).toMatch(
      /use one of trade, book, book_change, ticker, quote, bar, status, depth$/,
    );
    expect(error('toString@BTC/USDT')).toMatch(/unknown stream type 'toString'/);
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

describe('sourceRefusal', () => {
  const sources = { exchanges: ['binance'] as const, symbols: ['BTC/USDT', 'ETH/USDT'] };
  const stream = (name: string): StreamName => {
    const r = parseStream(name);
    if (!r.ok) throw new Error(r.error);
    return r.stream;
  };

  it('accepts every type of an ingested symbol, aggregated or from an ingested exchange', () => {
    for (const t of ['trade', 'book', 'book_change', 'ticker', 'quote', 'bar', 'status']) {
      expect(sourceRefusal(stream(`${t}@BTC/USDT`), sources)).toBeUndefined();
      expect(sourceRefusal(stream(`${t}@binance:ETH/USDT`), sources)).toBeUndefined();
    }
  });

  it('names the exchange or symbol nothing ingests, and what is ingested', () => {
    expect(sourceRefusal(stream('bar@okx:BTC/USDT'), sources)).toBe(
      "stream 'bar@okx:BTC/USDT' has no source: this gateway ingests binance, not okx; use 'bar@BTC/USDT' for the aggregated stream",
    );
    expect(sourceRefusal(stream('trade@binance:SOL/USDT'), sources)).toBe(
      "stream 'trade@binance:SOL/USDT' has no source: this gateway ingests BTC/USDT, ETH/USDT, not SOL/USDT",
    );
  });

  it('quotes the stream as the client spelled it when given', () => {
    expect(sourceRefusal(stream('depth@okx:btc-usdt'), sources, 'depth@okx:btc-usdt')).toBe(
      "stream 'depth@okx:btc-usdt' has no source: this gateway ingests binance, not okx; use 'book_change@BTC/USDT' for the aggregated stream",
    );
  });

  it('with demand (listedOn), accepts a symbol an ingested exchange lists and names where one is not', () => {
    const listings: Record<string, Array<'binance' | 'okx'>> = {
      'SOL/USDT': ['binance', 'okx'],
      'BTC/USDT': ['binance'],
    };
    const demand = { ...sources, listedOn: (s: string) => listings[s] ?? [] };
    expect(sourceRefusal(stream('trade@SOL/USDT'), demand)).toBeUndefined();
    expect(sourceRefusal(stream('book@binance:SOL/USDT'), demand)).toBeUndefined();
    expect(sourceRefusal(stream('trade@DOGE/USDT'), demand)).toBe(
      "stream 'trade@DOGE/USDT' has no source: DOGE/USDT is not listed on any of binance",
    );
    const two = {
      ...demand,
      exchanges: ['binance', 'okx'] as const,
      listedOn: (s: string) => listings[s] ?? [],
    };
    expect(sourceRefusal(stream('trade@okx:BTC/USDT'), two)).toBe(
      "stream 'trade@okx:BTC/USDT' has no source: BTC/USDT is not listed on okx (it is on binance: use 'trade@BTC/USDT')",
    );
  });

  it('with each exchange’s own symbols, refuses a pair from an exchange that does not carry it', () => {
    const two = {
      exchanges: ['binance', 'kraken'] as const,
      symbols: ['BTC/USDT', 'BTC/USD'],
      symbolsOf: new Map([
        ['binance', ['BTC/USDT']],
        ['kraken', ['BTC/USD']],
      ] as const),
    };
    for (const name of ['book@kraken:BTC/USD', 'book@BTC/USD', 'trade@binance:BTC/USDT', 'trade@BTC/USDT']) {
      expect(sourceRefusal(stream(name), two)).toBeUndefined();
    }
    expect(sourceRefusal(stream('book@binance:BTC/USD'), two)).toBe(
      "stream 'book@binance:BTC/USD' has no source: this gateway ingests BTC/USDT from binance, not BTC/USD; use 'book@BTC/USD' for the aggregated stream",
    );
  });
});
