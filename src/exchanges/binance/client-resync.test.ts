import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { NormalizedMessage } from '../../core/types.js';
import { FakeBinance } from './test-support/fake-binance.js';
import { until } from '../../test-support/until.js';
import { createBinanceFeed, type BinanceFeed } from './client.js';

let server: FakeBinance;
let feed: BinanceFeed | undefined;
beforeEach(async () => {
  server = await FakeBinance.start();
});
afterEach(async () => {
  await feed?.close();
  feed = undefined;
  await server.close();
});

const diff = (native: string, U: number, u: number) =>
  JSON.stringify({
    stream: `${native.toLowerCase()}@depth@100ms`,
    data: {
      e: 'depthUpdate',
      E: 1_600_000_000_000 + u,
      s: native,
      U,
      u,
      b: [['1.0', '1']],
      a: [['2.0', '1']],
    },
  });

describe('Binance feed: book resyncs of many symbols share one pacer', () => {
  it('20 symbols gapping at once never fetch snapshots faster than the configured rate', async () => {
    const natives = Array.from({ length: 20 }, (_, i) => `S${i}USDT`);
    const lastUpdateId = new Map<string, number>();
    server.depth = (symbol) => {
      const id = lastUpdateId.get(symbol) ?? 0;
      return { status: 200, body: `{"lastUpdateId":${id},"bids":[["1.0","1"]],"asks":[["2.0","1"]]}` };
    };
    const rate = { perSecond: 20, burst: 5 };
    const fetchedAt: number[] = [];
    feed = createBinanceFeed({
      wsBaseUrl: server.wsBaseUrl,
      restBaseUrl: server.restBaseUrl,
      symbols: natives.map((n) => n.replace('USDT', '/USDT')),
      logger: silentLogger(),
      backoff: { random: () => 0 },
      resyncRate: rate,
      // When each snapshot is requested (the pacer's doing); the server sees it then or, under load, later.
      fetch: (input, init) => {
        fetchedAt.push(Date.now());
        return fetch(input, init);
      },
    });
    const out: NormalizedMessage[] = [];
    void (async () => {
      for await (const m of feed.messages()) out.push(m);
    })();
    await until(() => server.received.length === 1, 5000, 'SUBSCRIBE');
    const books = () => natives.map((n) => feed!.book(n.replace('USDT', '/USDT'))!);

    const t0 = Date.now();
    for (const n of natives) {
      lastUpdateId.set(n, 10);
      server.send(diff(n, 10, 10));
    }
    await until(() => books().every((b) => b.state === 'synced'), 5000, 'first sync');
    for (const n of natives) {
      lastUpdateId.set(n, 20);
      server.send(diff(n, 20, 20)); // 11..19 lost: every book gaps at once
    }
    await until(() => books().every((b) => b.state === 'synced' && b.updateId === 20), 10_000, 'resync');

    expect(fetchedAt).toHaveLength(40);
    expect(server.restRequests).toHaveLength(40);
    expect(feed.stats()).toMatchObject({ gaps: 20, resyncs: 20 });
    const worst = Math.max(...fetchedAt.map((t) => fetchedAt.filter((u) => u >= t && u < t + 1000).length));
    expect(worst).toBeLessThanOrEqual(rate.burst + rate.perSecond);
    // 40 snapshots, 5 from the burst: the other 35 waited for tokens at 20/s.
    expect(fetchedAt[39] - t0).toBeGreaterThanOrEqual(1700);
    expect(out.filter((m) => m.type === 'status' && m.state === 'resyncing')).toHaveLength(20);
  });
});
