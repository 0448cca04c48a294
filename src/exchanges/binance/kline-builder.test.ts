import { describe, expect, it } from 'vitest';
import { toUnits } from '../../core/decimal.js';
import type { TradeUnits } from '../../replay/trade-aggregate.js';
import { KlineSeries } from './kline-builder.js';
import { KLINE_SPECS } from './kline-intervals.js';

const index = (suffix: string): number => {
  const i = KLINE_SPECS.findIndex((k) => k.streamSuffix === suffix);
  if (i < 0) throw new Error(`no spec ${suffix}`);
  return i;
};
const K1S = index('kline_1s');
const K1M = index('kline_1m');
const K5M = index('kline_5m');
const K1H = index('kline_1h');
const K1D = index('kline_1d');
const K1D8 = index('kline_1d@+08:00');

function trade(time: number, id: number, p: string, q: string, takerBuy = false): TradeUnits {
  const price = toUnits(p);
  const qty = toUnits(q);
  return { time, id, price, qty, quote: price * qty, takerBuy };
}

/** 2024-05-29 16:00:00 UTC: an hour (and UTC+8 day) boundary. */
const H = Date.UTC(2024, 4, 29, 16);
const M = 60_000;

describe('KlineSeries', () => {
  it('pushes the open 1m kline with every Binance field, then its final, then an empty one at the last close', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H + 100, 10, '67000.10', '0.5', true));
    k.addTrade(trade(H + 5_000, 11, '67010.00000000', '0.25'));
    k.addTrade(trade(H + 30_000, 12, '66990.5', '1', true));
    const open = {
      t: H,
      T: H + M - 1,
      s: 'BTCUSDT',
      i: '1m',
      f: 10,
      L: 12,
      o: '67000.10000000',
      c: '66990.50000000',
      h: '67010.00000000',
      l: '66990.50000000',
      v: '1.75000000',
      n: 3,
      x: false,
      q: '117243.05000000',
      V: '1.50000000',
      Q: '100490.55000000',
      B: '0',
    };
    const first = k.kline(K1M, H + 32_000, H + 31_000, true);
    expect(first).toEqual({ e: 'kline', E: H + 32_000, s: 'BTCUSDT', k: open });
    // Field order as Binance sends it (checked against the captured kline frame).
    expect(JSON.stringify(first)).toMatch(
      /^\{"e":"kline","E":\d+,"s":"BTCUSDT","k":\{"t":\d+,"T":\d+,"s":"BTCUSDT","i":"1m","f":10,"L":12,"o":"[\d.]+","c":"[\d.]+","h":"[\d.]+","l":"[\d.]+","v":"[\d.]+","n":3,"x":false,"q":"[\d.]+","V":"[\d.]+","Q":"[\d.]+","B":"0"\}\}$/,
    );
    expect(k.kline(K1M, H + 33_000, H + 32_000, false)).toBeUndefined();
    expect(k.kline(K1M, H + M, H + M - 1000, true)).toEqual({
      e: 'kline',
      E: H + M,
      s: 'BTCUSDT',
      k: { ...open, x: true },
    });
    expect(k.kline(K1M, H + M + 2000, H + M + 1000, true)?.k).toEqual({
      t: H + M,
      T: H + 2 * M - 1,
      s: 'BTCUSDT',
      i: '1m',
      f: -1,
      L: -1,
      o: '66990.50000000',
      c: '66990.50000000',
      h: '66990.50000000',
      l: '66990.50000000',
      v: '0.00000000',
      n: 0,
      x: false,
      q: '0.00000000',
      V: '0.00000000',
      Q: '0.00000000',
      B: '0',
    });
  });

  it('has no kline before the first trade', () => {
    const k = new KlineSeries('BTCUSDT');
    for (let i = 0; i < KLINE_SPECS.length; i++) expect(k.kline(i, H, H - 1000, true)).toBeUndefined();
  });

  it('covers the whole interval when first asked mid-interval (minutes folded into 5m and 1h)', () => {
    const k = new KlineSeries('ETHUSDT');
    k.addTrade(trade(H + 1_000, 1, '3000', '1'));
    k.addTrade(trade(H + 5 * M + 1, 2, '3010', '2', true));
    k.addTrade(trade(H + 20 * M + 10_000, 3, '2990', '3'));
    const at = H + 20 * M + 30_000;
    expect(k.kline(K1H, at, at - 1000, true)?.k).toMatchObject({
      t: H,
      T: H + 60 * M - 1,
      f: 1,
      L: 3,
      o: '3000.00000000',
      h: '3010.00000000',
      l: '2990.00000000',
      c: '2990.00000000',
      v: '6.00000000',
      n: 3,
      q: '17990.00000000',
      V: '2.00000000',
      Q: '6020.00000000',
      x: false,
    });
    expect(k.kline(K5M, at, at - 1000, true)?.k).toMatchObject({ t: H + 20 * M, f: 3, L: 3, n: 1 });
  });

  it('gives each 1s kline one final push when its second is over', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H + 100, 1, '100', '1'));
    k.addTrade(trade(H + 900, 2, '101', '1'));
    expect(k.kline(K1S, H + 1000, H, true)?.k).toMatchObject({
      t: H,
      T: H + 999,
      i: '1s',
      o: '100.00000000',
      c: '101.00000000',
      n: 2,
      x: true,
    });
    k.addTrade(trade(H + 1500, 3, '102', '1'));
    expect(k.kline(K1S, H + 2000, H + 1000, true)?.k).toMatchObject({
      t: H + 1000,
      f: 3,
      L: 3,
      n: 1,
      x: true,
    });
    expect(k.kline(K1S, H + 3000, H + 2000, true)?.k).toMatchObject({
      t: H + 2000,
      o: '102.00000000',
      n: 0,
      f: -1,
      x: true,
    });
  });

  it('sends no late final for an interval that closed while nobody asked', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H + 1_000, 1, '100', '1'));
    const at = H + 5 * M + 1000;
    const ev = k.kline(K1M, at, at - 1000, true);
    expect(ev?.k).toMatchObject({ t: H + 5 * M, n: 0, o: '100.00000000', x: false });
  });

  it('sends the final late when replay time jumped past the close with no boundary between', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H + 10_000, 1, '100', '1'));
    expect(k.kline(K1M, H + 11_000, H + 10_000, false)).toBeUndefined();
    expect(k.kline(K1M, H + 5 * M + 10_000, H + 11_000, true)).toMatchObject({
      E: H + 5 * M + 10_000,
      k: { t: H, n: 1, x: true },
    });
  });

  it('counts a late trade in the open interval', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H + 10_000, 1, '100', '1'));
    expect(k.kline(K1M, H + M, H + M - 1000, true)?.k).toMatchObject({ n: 1, x: true });
    k.addTrade(trade(H + 59_000, 2, '99', '1'));
    expect(k.kline(K1M, H + M + 2000, H + M + 1000, true)?.k).toMatchObject({
      t: H + M,
      f: 2,
      n: 1,
      o: '99.00000000',
    });
  });

  it('closes the UTC+8 day at 16:00 UTC while the UTC day goes on', () => {
    const k = new KlineSeries('BTCUSDT');
    k.addTrade(trade(H - 500, 1, '100', '1'));
    expect(k.kline(K1D8, H, H - 1000, false)?.k).toMatchObject({
      t: H - 86_400_000,
      T: H - 1,
      n: 1,
      x: true,
    });
    expect(k.kline(K1D, H, H - 1000, false)).toBeUndefined();
    k.addTrade(trade(H + 1_000, 2, '101', '1'));
    expect(k.kline(K1D, H + 2000, H + 1000, true)?.k).toMatchObject({
      t: Date.UTC(2024, 4, 29),
      n: 2,
      x: false,
    });
    expect(k.kline(K1D8, H + 2000, H + 1000, true)?.k).toMatchObject({ t: H, f: 2, n: 1, x: false });
  });
});
