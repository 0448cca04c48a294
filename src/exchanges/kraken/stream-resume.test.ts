import { describe, expect, it } from 'vitest';
import type { Bar, NormalizedMessage, Trade } from '../../core/types.js';
import { KrakenClosedBars, KrakenTradeResume } from './stream-resume.js';

const T0 = Date.UTC(2026, 0, 5, 14);

function trade(symbol: string, id: number): Trade {
  // prettier-ignore
  return { type: 'trade', exchange: 'kraken', symbol, timestamp: T0 + id, localTimestamp: T0 + id, id: String(id), price: 1, amount: 1, side: 'buy' };
}

function bar(symbol: string, minute: number, close: number): Bar {
  // prettier-ignore
  return { type: 'bar', exchange: 'kraken', symbol, timestamp: T0 + minute * 60_000, localTimestamp: T0, interval: '1m', open: 1, high: close, low: 1, close, volume: 1 };
}

function collector(): { out: NormalizedMessage[]; sink: { message(m: NormalizedMessage): void } } {
  const out: NormalizedMessage[] = [];
  return { out, sink: { message: (m) => out.push(m) } };
}

describe('KrakenTradeResume', () => {
  it('takes a first snapshot as where each symbol stands, by its newest trade, whatever the order', () => {
    const resume = new KrakenTradeResume();
    const { out, sink } = collector();
    resume.frame(
      [trade('BTC/USD', 1), trade('ETH/USD', 8), trade('BTC/USD', 3), trade('BTC/USD', 2)],
      true,
      sink,
    );
    expect(out).toEqual([]);
    // A resubscription with nothing new passes nothing on; the next trades do.
    resume.frame([trade('BTC/USD', 2), trade('BTC/USD', 3)], true, sink);
    resume.frame([trade('BTC/USD', 4)], false, sink);
    resume.frame([trade('ETH/USD', 7), trade('ETH/USD', 9)], true, sink);
    expect(out.map((m) => [m.symbol, (m as Trade).id])).toEqual([
      ['BTC/USD', '4'],
      ['ETH/USD', '9'],
    ]);
  });

  it('passes on the updates of a symbol whose first snapshot was empty', () => {
    const resume = new KrakenTradeResume();
    const { out, sink } = collector();
    resume.frame([], true, sink);
    resume.frame([trade('BTC/USD', 1)], false, sink);
    resume.frame([trade('BTC/USD', 1)], false, sink);
    expect(out.map((m) => (m as Trade).id)).toEqual(['1']);
  });
});

describe('KrakenClosedBars', () => {
  it('passes a candle on when a later one appears, its last state, once', () => {
    const bars = new KrakenClosedBars();
    const { out, sink } = collector();
    // Whatever a snapshot's order, its newest candle is the open one.
    bars.frame([bar('BTC/USD', 1, 11), bar('BTC/USD', 0, 10)], true, sink);
    bars.frame([bar('BTC/USD', 1, 12)], false, sink);
    expect(out).toEqual([]);
    bars.frame([bar('BTC/USD', 2, 13)], false, sink);
    bars.frame([bar('BTC/USD', 1, 99)], false, sink); // late repeat of a closed candle
    expect(out).toEqual([bar('BTC/USD', 1, 12)]);
    // After a reconnect the snapshot holds minute 2's final state and minute 3 open.
    bars.frame([bar('BTC/USD', 1, 12), bar('BTC/USD', 2, 14), bar('BTC/USD', 3, 15)], true, sink);
    expect(out).toEqual([bar('BTC/USD', 1, 12), bar('BTC/USD', 2, 14)]);
  });
});
