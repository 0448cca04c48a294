import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { BookChange, BookSnapshot, NormalizedMessage, Status } from '../../core/types.js';
import { combinedStreamFrames, depthSnapshots } from './test-support/fixtures.js';
import { FakeBinance } from './test-support/fake-binance.js';
import { until } from '../../test-support/until.js';
import { createBinanceFeed, type BinanceFeed, type BinanceFeedOptions } from './client.js';

let server: FakeBinance;
const feeds: BinanceFeed[] = [];
beforeEach(async () => {
  server = await FakeBinance.start();
  const nkn = depthSnapshots().get('NKNUSDT')!;
  server.depth = (symbol) =>
    symbol === 'NKNUSDT'
      ? { status: 200, body: nkn.body }
      : { status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' };
});
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await server.close();
});

/** Options for a NKN/USDT feed against the fake exchange, no backoff jitter. */
function feedOptions(extra: Partial<BinanceFeedOptions> = {}): BinanceFeedOptions {
  return {
    wsBaseUrl: server.wsBaseUrl,
    restBaseUrl: server.restBaseUrl,
    symbols: ['NKN/USDT'],
    logger: silentLogger(),
    backoff: { random: () => 0 },
    ...extra,
  };
}

/** A feed against the fake exchange, with its messages collected by a running consumer. */
function start(extra: Partial<BinanceFeedOptions> = {}): {
  feed: BinanceFeed;
  out: NormalizedMessage[];
  done: Promise<void>;
} {
  const feed = createBinanceFeed(feedOptions(extra));
  feeds.push(feed);
  const out: NormalizedMessage[] = [];
  const done = (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return { feed, out, done };
}

const nknFrames = () => combinedStreamFrames().filter((f) => f.raw.includes('"stream":"nknusdt@'));
const statuses = (out: NormalizedMessage[]) => out.filter((m): m is Status => m.type === 'status');
const NKN_STREAMS = ['nknusdt@trade', 'nknusdt@depth@100ms', 'nknusdt@ticker', 'nknusdt@kline_1m'];

describe('createBinanceFeed against a fake exchange (real sockets, real HTTP)', () => {
  it('subscribes, syncs the book from REST and normalizes the real captured stream', async () => {
    const { feed, out } = start();
    await until(() => server.received.length === 1, 5000, 'SUBSCRIBE');
    expect(server.controlRequests()).toEqual([{ conn: 1, method: 'SUBSCRIBE', params: NKN_STREAMS, id: 1 }]);
    expect(feed.stats().state).toBe('connected');

    for (const f of nknFrames()) server.send(f.raw);
    await until(() => feed.book('NKN/USDT')?.stats.applied === 149, 5000, 'book applied');
    await until(() => out.some((m) => m.type === 'trade'));

    expect(server.restRequests.map((u) => u.pathname + u.search)).toEqual([
      '/api/v3/depth?symbol=NKNUSDT&limit=1000',
    ]);
    const counts: Record<string, number> = {};
    for (const m of out) counts[m.type] = (counts[m.type] ?? 0) + 1;
    // Quotes come from the validated book (38 of its 150 states moved the top), not from bookTicker.
    // The captured kline is still open (x: false): no bar yet.
    expect(counts).toEqual({ status: 2, book_change: 150, book_snapshot: 150, quote: 38, trade: 1 });
    for (let i = 1; i < out.length; i++) {
      const quote = out[i];
      if (quote.type !== 'quote') continue;
      const top = out[i - 1] as BookSnapshot;
      expect(top.type).toBe('book_snapshot');
      expect(quote).toMatchObject({ timestamp: top.timestamp, bid: top.bids[0][0], ask: top.asks[0][0] });
      expect(quote.timestamp).toBeLessThan(1_700_000_000_000); // the 2021 capture's exchange time
    }
    const snap = out.find((m): m is BookChange => m.type === 'book_change')!;
    expect(snap).toMatchObject({ isSnapshot: true, sequence: 499869752, symbol: 'NKN/USDT' });
    const lastTop = out.filter((m): m is BookSnapshot => m.type === 'book_snapshot').at(-1)!;
    expect(lastTop.sequence).toBe(499870179);
    expect(lastTop.bids).toHaveLength(20);
    expect(lastTop.depth).toBe(20);

    const stats = feed.stats();
    expect(stats).toMatchObject({
      exchange: 'binance',
      state: 'connected',
      reconnects: 0,
      decodeErrors: 0,
      gaps: 0,
      resyncs: 0,
      messages: out.length,
      subscriptions: ['NKN/USDT'],
    });
    expect(stats.frames).toBe(nknFrames().length + 1); // + the SUBSCRIBE ack
    expect(stats.latencyMs).toBeGreaterThan(0); // 2021 exchange times vs now
    expect(stats.lastMessageAt).toBeGreaterThan(0);
  });

  it('turns a closed 1m kline into one bar and forwards no in-progress kline', async () => {
    const { feed, out } = start();
    await until(() => feed.stats().state === 'connected');
    const open = combinedStreamFrames().find((f) => f.raw.includes('"stream":"nknusdt@kline_1m"'))!;
    const closed = open.raw.replace('"x":false', '"x":true');
    server.send(open.raw);
    server.send(closed);
    server.send(open.raw);
    // Frames are handled in order: once this trade is out, every kline before it was seen.
    server.send(combinedStreamFrames().find((f) => f.raw.includes('nknusdt@aggTrade'))!.raw);
    await until(() => out.some((m) => m.type === 'trade'));
    const bars = out.filter((m) => m.type === 'bar');
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({
      symbol: 'NKN/USDT',
      interval: '1m',
      timestamp: 1633998523963,
      volume: 25877,
    });
    expect(feed.stats().decodeErrors).toBe(0);
  });

  it('counts a malformed frame and stays up', async () => {
    const { feed, out } = start();
    await until(() => feed.stats().state === 'connected');
    server.send('{"stream":"nknusdt@trade","data":{"e":"trade",');
    server.send('{"e":"mystery"}');
    const agg = combinedStreamFrames().find((f) => f.raw.includes('nknusdt@aggTrade'))!;
    server.send(agg.raw);
    await until(() => out.some((m) => m.type === 'trade'));
    expect(feed.stats()).toMatchObject({ decodeErrors: 2, state: 'connected', reconnects: 0 });
    expect(server.connections).toBe(1);
  });

  it('reconnects after the server drops the socket: status items, SUBSCRIBE again, book resynced', async () => {
    const { feed, out } = start();
    await until(() => server.received.length === 1);
    const frames = nknFrames().filter((f) => f.raw.includes('depth@100ms'));
    for (const f of frames.slice(0, 10)) server.send(f.raw);
    await until(() => feed.book('NKN/USDT')?.state === 'synced');

    server.dropAll();
    await until(() => server.received.length === 2, 5000, 'resubscribe');
    expect(server.controlRequests().map((r) => [r.conn, r.method, r.params])).toEqual([
      [1, 'SUBSCRIBE', NKN_STREAMS],
      [2, 'SUBSCRIBE', NKN_STREAMS],
    ]);
    expect(statuses(out).map((s) => s.state)).toEqual([
      'connecting',
      'connected',
      'disconnected',
      'connecting',
      'connected',
    ]);
    expect(statuses(out)[2].symbol).toBe('NKN/USDT');
    expect(feed.book('NKN/USDT')?.state).toBe('idle'); // the old book is void after a hole in the stream

    for (const f of frames) server.send(f.raw);
    await until(
      () => out.filter((m) => m.type === 'book_change' && m.isSnapshot).length === 2,
      5000,
      'resync',
    );
    expect(server.restRequests).toHaveLength(2);
    expect(feed.stats()).toMatchObject({ reconnects: 1, state: 'connected' });
  });

  it('a sequence gap in the live stream resyncs from a fresh snapshot and is counted', async () => {
    const { feed, out } = start();
    await until(() => feed.stats().state === 'connected');
    const frames = nknFrames().filter((f) => f.raw.includes('depth@100ms'));
    // The fresh snapshot after the gap: synthetic, at the u of the first diff after the hole.
    const resumeAt = (JSON.parse(frames[21].raw) as { data: { u: number } }).data.u;
    const first = server.depth;
    server.depth = (symbol, n) =>
      n === 1
        ? first(symbol, n)
        : { status: 200, body: `{"lastUpdateId":${resumeAt},"bids":[["0.3","1"]],"asks":[["0.4","1"]]}` };
    for (const f of frames.slice(0, 20)) server.send(f.raw);
    for (const f of frames.slice(21)) server.send(f.raw); // frame 20 lost
    await until(() => feed.stats().resyncs === 1 && server.restRequests.length === 2);
    await until(() => feed.book('NKN/USDT')?.state === 'synced');
    expect(statuses(out).at(-1)).toMatchObject({ state: 'resyncing', symbol: 'NKN/USDT' });
    expect(feed.stats()).toMatchObject({ gaps: 1, resyncs: 1 });
    const snapshots = out.filter((m): m is BookChange => m.type === 'book_change' && m.isSnapshot);
    expect(snapshots.map((m) => m.sequence)).toEqual([499869752, resumeAt]);
    // 19 applied before the hole (frame 0 predates the snapshot), then all after frame 21.
    expect(feed.book('NKN/USDT')?.stats.applied).toBe(19 + frames.length - 22);
  });

  it('drops a crossed ticker (counted) and never passes a wire bookTicker or partial depth through', async () => {
    const { feed, out } = start();
    await until(() => feed.stats().state === 'connected');
    // prettier-ignore
    const ticker = (E: number, b: string, a: string) =>
      JSON.stringify({
        stream: 'nknusdt@ticker',
        data: {
          e: '24hrTicker', E, s: 'NKNUSDT', p: '0.00100000', P: '0.285', w: '0.35200000', x: '0.35100000',
          c: '0.35200000', Q: '10.00000000', b, B: '100.00000000', a, A: '200.00000000', o: '0.35100000',
          h: '0.35300000', l: '0.35000000', v: '1000.00000000', q: '352.00000000', O: E - 86_400_000, C: E,
          F: 1, L: 9, n: 9,
        },
      });
    server.send(ticker(1633998523000, '0.35300000', '0.35200000')); // bid above ask
    server.send(
      '{"stream":"nknusdt@bookTicker","data":{"u":1,"s":"NKNUSDT","b":"0.36","B":"1","a":"0.35","A":"1"}}',
    );
    server.send(
      '{"stream":"nknusdt@depth5@100ms","data":{"lastUpdateId":1,"bids":[["0.36","1"]],"asks":[["0.35","1"]]}}',
    );
    server.send(ticker(1633998524000, '0.35100000', '0.35200000'));
    await until(() => out.some((m) => m.type === 'ticker'));
    const tickers = out.filter((m) => m.type === 'ticker');
    expect(tickers).toEqual([expect.objectContaining({ timestamp: 1633998524000, bid: 0.351, ask: 0.352 })]);
    expect(out.filter((m) => m.type === 'quote' || m.type === 'book_snapshot')).toEqual([]);
    expect(feed.stats()).toMatchObject({ crossedTickers: 1, crossedBooks: 0, decodeErrors: 0 });
  });

  it('rate-limits SUBSCRIBE/UNSUBSCRIBE: never more than 5 per second at the server', async () => {
    const { feed } = start();
    await until(() => server.received.length === 1);
    const symbols = [
      'BTC/USDT',
      'ETH/USDT',
      'BNB/USDT',
      'ETH/BTC',
      'XRP/USDT',
      'ADA/USDT',
      'SOL/USDT',
      'DOT/USDT',
    ];
    for (const s of symbols) feed.subscribe([s]);
    feed.subscribe(['BTC/USDT']); // already subscribed: nothing sent
    feed.unsubscribe(['ETH/BTC', 'LTC/USDT']); // only ETH/BTC was subscribed
    await until(() => server.received.length === 10, 10_000, 'all control messages');
    const requests = server.controlRequests();
    expect(requests.slice(1, 9).map((r) => r.params[0])).toEqual(
      symbols.map((s) => `${s.replace('/', '').toLowerCase()}@trade`),
    );
    expect(requests[9]).toMatchObject({
      method: 'UNSUBSCRIBE',
      params: ['ethbtc@trade', 'ethbtc@depth@100ms', 'ethbtc@ticker', 'ethbtc@kline_1m'],
    });
    const times = server.received.map((m) => m.at);
    const worst = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(worst).toBeLessThanOrEqual(5);
    expect(feed.stats().subscriptions).toHaveLength(8);

    // After a reconnect the whole current set goes out again.
    server.dropAll();
    await until(() => server.controlRequests().some((r) => r.conn === 2));
    const again = server.controlRequests().filter((r) => r.conn === 2);
    expect(again).toHaveLength(1);
    expect(again[0].params).toHaveLength(8 * NKN_STREAMS.length);
    expect(again[0].params).not.toContain('ethbtc@trade');
  });

  it('close() ends messages() after a final status and stops reconnecting', async () => {
    const { feed, out, done } = start();
    await until(() => feed.stats().state === 'connected');
    await feed.close();
    await done;
    expect(statuses(out).at(-1)).toMatchObject({ state: 'disconnected', reason: 'closed by client' });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toBe(1);
    expect(feed.stats().state).toBe('disconnected');
  });

  it('breaking out of the messages() loop closes the feed', async () => {
    const feed = createBinanceFeed(feedOptions());
    feeds.push(feed);
    for await (const m of feed.messages()) if (m.type === 'status' && m.state === 'connected') break;
    await until(() => feed.stats().state === 'disconnected');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.connections).toBe(1);
  });
});
