import { describe, expect, it } from 'vitest';
import { T0, baseBook, snapshotEvent, updateEvent, useHub } from './test-support/hub.js';
import { LOG_LEVEL, captureLogs } from '../../test-support/log-capture.js';
import type { BinanceBookTickerEvent, BinanceRestDepth } from './wire.js';

const { start: hub, client } = useHub();

const CROSSED_MSG = 'recorded book is crossed (best bid >= best ask); replaying it as recorded';

describe('Binance replay endpoint: a crossed recorded book', () => {
  it('replays it verbatim on every stream, warns once per episode and counts it in /health', async () => {
    const { logger, lines } = captureLogs();
    const h = await hub({ logger });
    const c = await client(
      '/binance/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@depth5@100ms',
    );
    // baseBook: best bid 67000.0, best ask 67000.5. A bid at 67001 crosses it.
    h.hub.push(snapshotEvent(T0, baseBook(1000)));
    const cross = updateEvent(T0 + 10, 1001, 1001, [['67001.00000000', '0.30000000']], []);
    const stillCrossed = updateEvent(T0 + 20, 1002, 1002, [['67001.00000000', '0.40000000']], []);
    h.hub.push(cross);
    h.hub.push(stillCrossed);
    h.hub.advanceTo(T0 + 150); // the 100 ms partial depth shows the crossed book
    const depth = (await (
      await fetch(`${h.http}/binance/api/v3/depth?symbol=BTCUSDT&limit=1`)
    ).json()) as BinanceRestDepth;
    const uncross = updateEvent(T0 + 200, 1003, 1003, [['67001.00000000', '0.00000000']], []);
    const crossAgain = updateEvent(T0 + 210, 1004, 1004, [], [['66999.00000000', '1.00000000']]);
    h.hub.push(uncross);
    h.hub.push(crossAgain);

    const frames = (await c.count(11)) as Array<{ stream: string; data: unknown }>;
    const on = (stream: string) => frames.filter((f) => f.stream === stream).map((f) => f.data);
    expect(on('btcusdt@depth@100ms')).toEqual([cross.data, stillCrossed.data, uncross.data, crossAgain.data]);
    const tickers = on('btcusdt@bookTicker') as BinanceBookTickerEvent[];
    expect(tickers.map((t) => [t.b, t.B, t.a])).toEqual([
      ['67000.00000000', '0.10000000', '67000.50000000'],
      ['67001.00000000', '0.30000000', '67000.50000000'],
      ['67001.00000000', '0.40000000', '67000.50000000'],
      ['67000.00000000', '0.10000000', '67000.50000000'],
      ['67000.00000000', '0.10000000', '66999.00000000'],
    ]);
    const partial = on('btcusdt@depth5@100ms') as BinanceRestDepth[];
    expect(partial[0].lastUpdateId).toBe(1002);
    expect([partial[0].bids[0][0], partial[0].asks[0][0]]).toEqual(['67001.00000000', '67000.50000000']);
    expect(depth).toEqual({
      lastUpdateId: 1002,
      bids: [['67001.00000000', '0.40000000']],
      asks: [['67000.50000000', '0.20000000']],
    });

    const warnings = lines.filter((l) => l.msg === CROSSED_MSG);
    expect(warnings.map((l) => [l.level, l.symbol, l.bid, l.ask, l.lastUpdateId])).toEqual([
      [LOG_LEVEL.warn, 'BTCUSDT', '67001.00000000', '67000.50000000', 1001],
      [LOG_LEVEL.warn, 'BTCUSDT', '67000.00000000', '66999.00000000', 1004],
    ]);
    expect(lines.filter((l) => l.msg === 'replayed book no longer crossed')).toHaveLength(1);

    const health = (await (await fetch(`${h.http}/health`)).json()) as {
      venues: Array<{ counters: Record<string, number> }>;
    };
    expect(health.venues[0].counters).toMatchObject({
      crossedBooks: 2,
      crossedBookEvents: 3,
      bookUpdates: 4,
      bookGaps: 0,
    });
  });

  it('counts a recording that starts crossed from its first snapshot', async () => {
    const h = await hub();
    const book = baseBook(500);
    book.bids.unshift(['67000.50000000', '1.00000000']); // bid at the best ask
    h.hub.push(snapshotEvent(T0, book));
    expect(h.venue.counters()).toMatchObject({ crossedBooks: 1, crossedBookEvents: 1, bookSnapshots: 1 });
  });
});
