import { describe, expect, it } from 'vitest';
import type { StreamType } from '../net/stream-type.js';
import { alpacaStreamType, fanoutChannel as alpacaChannel } from './alpaca/channels.js';
import { binanceStreamType } from './binance/stream-catalog.js';
import {
  bookChannel,
  krakenStreamType,
  ohlcChannel,
  tickerChannel,
  tradeChannel,
} from './kraken/channels.js';
import { fanoutChannel as okxChannel, okxStreamType } from './okx/channels.js';

function check(map: (name: string) => StreamType, cases: ReadonlyArray<readonly [string, StreamType]>): void {
  expect(cases.map(([name]) => [name, map(name)])).toEqual(cases);
}

describe("each venue's fan-out channels map to one /metrics stream type", () => {
  it('Binance stream names', () => {
    check(binanceStreamType, [
      ['btcusdt@trade', 'trade'],
      ['btcusdt@aggTrade', 'trade'],
      ['btcusdt@depth', 'book'],
      ['btcusdt@depth@100ms', 'book'],
      ['btcusdt@depth20@100ms', 'book'],
      ['btcusdt@bookTicker', 'quote'],
      ['btcusdt@ticker', 'ticker'],
      ['btcusdt@miniTicker', 'ticker'],
      ['btcusdt@ticker_1h', 'ticker'],
      ['btcusdt@avgPrice', 'ticker'],
      ['btcusdt@kline_1m', 'bar'],
      ['btcusdt@kline_1m@+08:00', 'bar'],
      ['!ticker@arr', 'ticker'],
      ['!miniTicker@arr', 'ticker'],
      ['!ticker_4h@arr', 'ticker'],
      ['btcusdt@somethingNew', 'other'],
    ]);
  });

  it('Kraken v2 channels', () => {
    check(krakenStreamType, [
      [bookChannel('BTC/USD', 10), 'book'],
      [tradeChannel('BTC/USD'), 'trade'],
      [tickerChannel('BTC/USD', 'bbo'), 'ticker'],
      [ohlcChannel('BTC/USD', 5), 'bar'],
      ['level3:BTC/USD', 'other'],
    ]);
  });

  it('OKX v5 channels', () => {
    check(okxStreamType, [
      [okxChannel('trades', 'BTC-USDT'), 'trade'],
      [okxChannel('books', 'BTC-USDT'), 'book'],
      [okxChannel('books5', 'BTC-USDT'), 'book'],
      [okxChannel('bbo-tbt', 'BTC-USDT'), 'quote'],
      [okxChannel('tickers', 'BTC-USDT'), 'ticker'],
      [okxChannel('candle1m', 'BTC-USDT'), 'bar'],
      ['status:x', 'other'],
    ]);
  });

  it('Alpaca stream channels, either encoding', () => {
    check(alpacaStreamType, [
      [alpacaChannel('json', 'live', 't', 'AAPL'), 'trade'],
      [alpacaChannel('msgpack', 'live', 'q', '*'), 'quote'],
      [alpacaChannel('json', 'test', 'b', 'FAKEPACA'), 'bar'],
      [alpacaChannel('json', 'live', 'u', 'AAPL'), 'bar'],
      [alpacaChannel('json', 'live', 'd', 'AAPL'), 'bar'],
      [alpacaChannel('json', 'live', 's', 'AAPL'), 'status'],
      ['json|live|x|AAPL', 'other'],
      ['nonsense', 'other'],
    ]);
  });
});
