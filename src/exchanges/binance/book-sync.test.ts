import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { BookChange, BookSnapshot, Level, NormalizedMessage, Quote } from '../../core/types.js';
import { btcDepthRawFrames, combinedStreamFrames, depthSnapshots } from './test-support/fixtures.js';
import { FakeBinance } from './test-support/fake-binance.js';
import { until } from '../../test-support/until.js';
import { BookSync } from '../../book/book-sync.js';
import { binanceBookRule } from './book-sync.js';
import { decodeBinanceFrame, decodeDepthUpdate, parseBinanceFrame, type BinanceDepthDiff } from './codec.js';

let server: FakeBinance;
beforeEach(async () => {
  server = await FakeBinance.start();
});
afterEach(async () => {
  await server.close();
});

function newSync(symbol: string, out: NormalizedMessage[], depth = 20): BookSync<BinanceDepthDiff> {
  return new BookSync({
    exchange: 'binance',
    symbol,
    rule: binanceBookRule({ restBaseUrl: server.restBaseUrl }),
    emit: (m) => out.push(m),
    logger: silentLogger(),
    depth,
    backoff: { random: () => 0 },
  });
}

/** The real nknusdt depth@100ms diffs of the capture, in order. */
function nknDiffs(): BinanceDepthDiff[] {
  return combinedStreamFrames()
    .filter((f) => f.raw.startsWith('{"stream":"nknusdt@depth@100ms"'))
    .map((f) => decodeDepthUpdate(parseBinanceFrame(f.raw).data, f.localTimestamp));
}

const ok = (body: string) => ({ status: 200, body });

describe('BinanceBookSync on the real NKNUSDT capture', () => {
  it('bridges the real REST snapshot to the real diff stream and matches every comparable bookTicker', async () => {
    const snapshot = depthSnapshots().get('NKNUSDT');
    if (!snapshot) throw new Error('fixture lacks the NKNUSDT snapshot');
    server.depth = () => ok(snapshot.body); // the recorded body, byte for byte
    const out: NormalizedMessage[] = [];
    const sync = newSync('NKN/USDT', out);
    const diffs = nknDiffs();
    expect(diffs).toHaveLength(150);

    // As captured: the first diff (U=499869750 u=499869752) arrived before the snapshot was fetched.
    sync.push(diffs[0]);
    await until(() => sync.state === 'synced', 5000, 'snapshot');
    for (let i = 1; i < diffs.length; i++) sync.push(diffs[i]);

    expect(server.restRequests.map((u) => u.search)).toEqual(['?symbol=NKNUSDT&limit=1000']);
    expect(sync.stats).toMatchObject({
      snapshots: 1,
      skipped: 1,
      applied: 149,
      gaps: 0,
      resyncs: 0,
      staleSnapshots: 0,
    });
    expect(sync.updateId).toBe(diffs[diffs.length - 1].change.sequence);

    // (a) the snapshot (lastUpdateId 499869752), then the bridge event U=499869753 u=499869754, then continuity.
    const changes = out.filter((m): m is BookChange => m.type === 'book_change');
    expect(changes[0]).toMatchObject({ isSnapshot: true, sequence: 499869752, symbol: 'NKN/USDT' });
    expect(changes[1]).toBe(diffs[1].change);
    expect(diffs[1].firstUpdateId).toBe(499869753);
    expect(changes).toHaveLength(150);
    for (let i = 2; i < diffs.length; i++)
      expect(diffs[i].firstUpdateId).toBe(diffs[i - 1].change.sequence + 1);

    // (b) best bid/ask against the recorded bookTicker frames at the same update id.
    const tops = new Map<number, BookSnapshot>();
    for (const m of out) if (m.type === 'book_snapshot') tops.set(m.sequence, m);
    expect(tops.size).toBe(150);
    let compared = 0;
    let inside = 0;
    for (const f of combinedStreamFrames()) {
      if (!f.raw.startsWith('{"stream":"nknusdt@bookTicker"')) continue;
      const u = (parseBinanceFrame(f.raw).data as { u: number }).u;
      const [quote] = decodeBinanceFrame(f.raw, f.localTimestamp) as Quote[];
      const top = tops.get(u);
      if (top === undefined) {
        // u falls inside one 100 ms diff batch: that intermediate book state was never published.
        expect(u).toBeGreaterThan(499869753);
        inside++;
        continue;
      }
      expect([top.bids[0], top.asks[0]]).toEqual([
        [quote.bid, quote.bidSize],
        [quote.ask, quote.askSize],
      ]);
      compared++;
    }
    expect(compared).toBe(19);
    expect(inside).toBe(55);
    expect(sync.book.isCrossed()).toBe(false);
  });

  it('reaches the same book when every diff is buffered before the snapshot arrives', async () => {
    const snapshot = depthSnapshots().get('NKNUSDT')!;
    server.depth = () => ok(snapshot.body);
    const a: NormalizedMessage[] = [];
    const b: NormalizedMessage[] = [];
    const stepwise = newSync('NKN/USDT', a, 5000);
    const buffered = newSync('NKN/USDT', b, 5000);
    const diffs = nknDiffs();
    stepwise.push(diffs[0]);
    await until(() => stepwise.state === 'synced');
    for (let i = 1; i < diffs.length; i++) stepwise.push(diffs[i]);
    for (const d of diffs) buffered.push(d);
    await until(() => buffered.state === 'synced');
    expect(buffered.stats).toMatchObject({ applied: 149, skipped: 1, gaps: 0 });
    expect(buffered.book.bids.top()).toEqual(stepwise.book.bids.top());
    expect(buffered.book.asks.top()).toEqual(stepwise.book.asks.top());
    expect(b.at(-1)).toEqual(a.at(-1));
  });

  it('refetches a snapshot older than the first buffered diff', async () => {
    const real = depthSnapshots().get('NKNUSDT')!;
    server.depth = (_s, n) =>
      n === 1 ? ok('{"lastUpdateId":499869700,"bids":[["0.35","1"]],"asks":[["0.36","1"]]}') : ok(real.body);
    const out: NormalizedMessage[] = [];
    const sync = newSync('NKN/USDT', out);
    const diffs = nknDiffs();
    for (const d of diffs) sync.push(d);
    await until(() => sync.state === 'synced');
    expect(server.restRequests).toHaveLength(2);
    expect(sync.stats).toMatchObject({ staleSnapshots: 1, snapshots: 1, applied: 149, gaps: 0 });
    expect(out.filter((m) => m.type === 'book_change' && m.isSnapshot)).toHaveLength(1);
  });

  it('retries after an HTTP 429 and after a malformed body', async () => {
    const real = depthSnapshots().get('NKNUSDT')!;
    server.depth = (_s, n) =>
      n === 1
        ? { status: 429, body: '{"code":-1003,"msg":"Too many requests."}', headers: { 'retry-after': '0' } }
        : n === 2
          ? ok('{"lastUpdateId":"x"}')
          : ok(real.body);
    const sync = newSync('NKN/USDT', []);
    for (const d of nknDiffs()) sync.push(d);
    await until(() => sync.state === 'synced');
    expect(sync.stats).toMatchObject({ snapshotErrors: 2, snapshots: 1, applied: 149 });
  });
});

/** Reference book: a plain map per side, levels set or removed. */
class RefBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  constructor(bids: readonly Level[], asks: readonly Level[]) {
    this.apply(bids, asks);
  }
  apply(bids: readonly Level[], asks: readonly Level[]): void {
    for (const [p, q] of bids) {
      if (q === 0) this.bids.delete(p);
      else this.bids.set(p, q);
    }
    for (const [p, q] of asks) {
      if (q === 0) this.asks.delete(p);
      else this.asks.set(p, q);
    }
  }
  sorted(): { bids: Level[]; asks: Level[] } {
    return {
      bids: [...this.bids].sort((x, y) => y[0] - x[0]),
      asks: [...this.asks].sort((x, y) => x[0] - y[0]),
    };
  }
}

describe('BinanceBookSync on the real btcusdt@depth stream (it has 3 real sequence gaps)', () => {
  it('detects each gap, resyncs from a fresh snapshot, and the book is right afterwards', async () => {
    const diffs = btcDepthRawFrames().map((raw, i) => decodeDepthUpdate(JSON.parse(raw), 1000 + i));
    const gapAt = [22, 64, 68];
    for (const i of gapAt) expect(diffs[i].firstUpdateId).not.toBe(diffs[i - 1].change.sequence + 1);

    // Each snapshot's lastUpdateId is the u of the event that started its sync (the first event, then
    // each gap event), so that event is dropped and the next bridges. (A snapshot at U-1 would be
    // refetched: 1.5 step 3 refetches whenever lastUpdateId < first buffered U.) The made-up levels
    // sit clear of the real prices (bids 115162-119074, asks 117972-148851), so no book crosses.
    const base: Level[][] = [
      [[100000, 1], [99990, 2], [99000, 3]], // prettier-ignore
      [[150100, 4], [150050, 5], [151000, 6]], // prettier-ignore
    ];
    const snapshotIds = [0, ...gapAt].map((i) => diffs[i].change.sequence);
    const snapshotBody = (k: number) => ({
      lastUpdateId: snapshotIds[k],
      bids: base[0].map(([p, q]) => [String(p - k), String(q + k)]),
      asks: base[1].map(([p, q]) => [String(p + k), String(q + k)]),
    });
    server.depth = (symbol, n) => {
      expect(symbol).toBe('BTCUSDT');
      return ok(JSON.stringify(snapshotBody(n - 1)));
    };

    const out: NormalizedMessage[] = [];
    const sync = newSync('BTC/USDT', out, 10_000);
    sync.push(diffs[0]);
    await until(() => sync.state === 'synced');
    for (let i = 1; i < diffs.length; i++) {
      sync.push(diffs[i]);
      if (gapAt.includes(i)) {
        expect(sync.state).toBe('fetching');
        await until(() => sync.state === 'synced');
      }
    }

    expect(sync.stats).toMatchObject({ gaps: 3, resyncs: 3, snapshots: 4, skipped: 4, staleSnapshots: 0 });
    // Every gap came within 50 clean diffs of the snapshot before it, so each resync waited on the backoff.
    expect(sync.stats.pacedResyncs).toBe(3);
    expect(sync.stats.applied).toBe(diffs.length - 4);
    expect(server.restRequests).toHaveLength(4);
    const statuses = out.filter((m) => m.type === 'status');
    expect(statuses.map((s) => s.state)).toEqual(['resyncing', 'resyncing', 'resyncing']);
    expect(statuses[0].reason).toContain(`U=${diffs[22].firstUpdateId}`);

    // After the last resync the book is snapshot 4 plus the diffs after it, exactly.
    const last = snapshotBody(3);
    const ref = new RefBook(
      last.bids.map(([p, q]) => [Number(p), Number(q)] as Level),
      last.asks.map(([p, q]) => [Number(p), Number(q)] as Level),
    );
    for (let i = 69; i < diffs.length; i++) ref.apply(diffs[i].change.bids, diffs[i].change.asks);
    expect({ bids: sync.book.bids.top(), asks: sync.book.asks.top() }).toEqual(ref.sorted());
    expect(sync.updateId).toBe(diffs[diffs.length - 1].change.sequence);

    // And between resyncs: the published top at the diff before the second gap is snapshot 2 + diffs 23..63.
    const mid = snapshotBody(1);
    const ref2 = new RefBook(
      mid.bids.map(([p, q]) => [Number(p), Number(q)] as Level),
      mid.asks.map(([p, q]) => [Number(p), Number(q)] as Level),
    );
    for (let i = 23; i < 64; i++) ref2.apply(diffs[i].change.bids, diffs[i].change.asks);
    const published = out.find(
      (m): m is BookSnapshot => m.type === 'book_snapshot' && m.sequence === diffs[63].change.sequence,
    );
    expect(published && { bids: published.bids, asks: published.asks }).toEqual(ref2.sorted());
  });

  it('ignores a late snapshot after reset() and starts over on the next diff', async () => {
    const diffs = btcDepthRawFrames().map((raw) => decodeDepthUpdate(JSON.parse(raw), 1));
    server.depth = () => ok(JSON.stringify({ lastUpdateId: diffs[0].change.sequence, bids: [], asks: [] }));
    const out: NormalizedMessage[] = [];
    const sync = newSync('BTC/USDT', out);
    sync.push(diffs[0]);
    sync.reset();
    await new Promise((r) => setTimeout(r, 50));
    expect(sync.state).toBe('idle');
    expect(out).toEqual([]);
    sync.push(diffs[0]);
    await until(() => sync.state === 'synced');
    expect(sync.stats.snapshots).toBe(1);
    sync.close();
    sync.push(diffs[1]);
    expect(sync.state).toBe('idle');
  });
});

describe('BinanceBookSync on the other real captures', () => {
  it.each(['BLZETH', 'LRCBTC', 'RUNEEUR'])(
    '%s: the recorded snapshot bridges the recorded diffs, which apply without a gap',
    async (symbol) => {
      const snapshot = depthSnapshots().get(symbol);
      if (!snapshot) throw new Error(`fixture lacks the ${symbol} snapshot`);
      server.depth = () => ok(snapshot.body);
      const stream = symbol.toLowerCase();
      const frames = combinedStreamFrames();
      const diffs = frames
        .filter((f) => f.raw.startsWith(`{"stream":"${stream}@depth@100ms"`))
        .map((f) => decodeDepthUpdate(parseBinanceFrame(f.raw).data, f.localTimestamp));
      expect(diffs.length).toBeGreaterThan(0);
      const out: NormalizedMessage[] = [];
      const sync = newSync(symbol, out);
      sync.push(diffs[0]);
      await until(() => sync.state === 'synced', 5000, 'snapshot');
      for (let i = 1; i < diffs.length; i++) sync.push(diffs[i]);
      expect(sync.stats).toMatchObject({ snapshots: 1, gaps: 0, resyncs: 0 });
      expect(sync.stats.applied + sync.stats.skipped).toBe(diffs.length);
      expect(sync.updateId).toBe(diffs[diffs.length - 1].change.sequence);
      expect(sync.book.isCrossed()).toBe(false);

      const tops = new Map<number, BookSnapshot>();
      for (const m of out) if (m.type === 'book_snapshot') tops.set(m.sequence, m);
      for (const f of frames) {
        if (!f.raw.startsWith(`{"stream":"${stream}@bookTicker"`)) continue;
        const top = tops.get((parseBinanceFrame(f.raw).data as { u: number }).u);
        if (top === undefined) continue;
        const [quote] = decodeBinanceFrame(f.raw, f.localTimestamp) as Quote[];
        expect([top.bids[0], top.asks[0]]).toEqual([
          [quote.bid, quote.bidSize],
          [quote.ask, quote.askSize],
        ]);
      }
    },
  );
});
