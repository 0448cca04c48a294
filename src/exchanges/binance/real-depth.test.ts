import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BookSyncError } from '../../core/errors.js';
import { DepthDiffer, applyDepthUpdate } from './depth-diff.js';
import { BinanceMarketState } from './market-state.js';
import type {
  BinanceCombinedFrame,
  BinanceDepthUpdateEvent,
  BinanceLevel,
  BinanceRestDepth,
} from './wire.js';

/**
 * Real Binance captures (fixtures/README.md): the NKNUSDT REST snapshot (lastUpdateId
 * 499869752) and the 150 NKNUSDT depth@100ms diffs recorded around it, the first applicable
 * one bridging the snapshot.
 */
function fixtureLines(name: string): string[] {
  const text = readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
  return text.split('\n').filter((l) => l.includes('{'));
}

/** A capture line is `<prefix>: <json>`; the JSON starts at the first `{`. */
function parseLine<T>(line: string): T {
  return JSON.parse(line.slice(line.indexOf('{'))) as T;
}

const nknSnapshot = parseLine<BinanceRestDepth>(
  fixtureLines('depth-snapshots.http.txt').find((l) => l.includes('symbol=NKNUSDT')) as string,
);
const nknDiffs = fixtureLines('combined-stream.ws.txt')
  .filter((l) => l.includes('"stream":"nknusdt@depth@100ms"'))
  .map((l) => parseLine<BinanceCombinedFrame<BinanceDepthUpdateEvent>>(l).data);
const btcDiffs = fixtureLines('btcusdt-depth-raw.jsonl').map((l) => parseLine<BinanceDepthUpdateEvent>(l));

/** An independent reference book: a price-keyed map, sorted only when read. */
class ReferenceBook {
  lastUpdateId: number;
  private readonly bids = new Map<number, BinanceLevel>();
  private readonly asks = new Map<number, BinanceLevel>();

  constructor(snapshot: BinanceRestDepth) {
    this.lastUpdateId = snapshot.lastUpdateId;
    for (const l of snapshot.bids) this.bids.set(Number(l[0]), l);
    for (const l of snapshot.asks) this.asks.set(Number(l[0]), l);
  }

  /** Binance's documented procedure: drop u <= id, first kept has U <= id+1 <= u, then U = id+1. */
  apply(ev: BinanceDepthUpdateEvent, first: boolean): boolean {
    if (ev.u <= this.lastUpdateId) return false;
    if (first) {
      if (!(ev.U <= this.lastUpdateId + 1 && this.lastUpdateId + 1 <= ev.u))
        throw new Error('no bridging event');
    } else if (ev.U !== this.lastUpdateId + 1) {
      throw new Error(`gap at U=${ev.U}`);
    }
    for (const [map, levels] of [
      [this.bids, ev.b],
      [this.asks, ev.a],
    ] as const) {
      for (const l of levels) {
        if (Number(l[1]) === 0) map.delete(Number(l[0]));
        else map.set(Number(l[0]), l);
      }
    }
    this.lastUpdateId = ev.u;
    return true;
  }

  /** The REST body `GET /api/v3/depth?limit=<limit>` would return now. */
  rest(limit: number): BinanceRestDepth {
    const sorted = (m: Map<number, BinanceLevel>, desc: boolean): BinanceLevel[] =>
      [...m.entries()]
        .sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0]))
        .slice(0, limit)
        .map((e) => [e[1][0], e[1][1]]);
    return { lastUpdateId: this.lastUpdateId, bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }
}

/** Reference-apply every real diff, returning the events that applied. */
function replayReference(): {
  ref: ReferenceBook;
  applied: BinanceDepthUpdateEvent[];
  books: BinanceRestDepth[];
} {
  const ref = new ReferenceBook(nknSnapshot);
  const applied: BinanceDepthUpdateEvent[] = [];
  const books: BinanceRestDepth[] = [];
  for (const ev of nknDiffs) {
    if (ref.apply(ev, applied.length === 0)) {
      applied.push(ev);
      books.push(ref.rest(5000));
    }
  }
  return { ref, applied, books };
}

describe('real Binance NKNUSDT data', () => {
  it('fixtures parse: 1000-level snapshot, 150 diffs, one dropped as older than the snapshot', () => {
    expect(nknSnapshot.lastUpdateId).toBe(499869752);
    expect(nknSnapshot.asks).toHaveLength(1000);
    expect(nknDiffs).toHaveLength(150);
    const { applied } = replayReference();
    expect(applied).toHaveLength(149);
    expect(applied[0].U).toBe(499869753);
  });

  it('DepthDiffer over REST-shaped books of the evolving real book reproduces every one of them', () => {
    const { books } = replayReference();
    // Poll the book the way a recorder would: every 1–3 events, REST limit 1000 or 100, plus a
    // late duplicate of an older poll now and then.
    const polls: BinanceRestDepth[] = [nknSnapshot];
    const expected: BinanceRestDepth[] = [nknSnapshot];
    let i = 0;
    let step = 0;
    while (i < books.length) {
      i += (step % 3) + 1;
      const book = books[Math.min(i, books.length) - 1];
      const limit = step % 10 === 9 ? 100 : 1000;
      const poll: BinanceRestDepth = {
        lastUpdateId: book.lastUpdateId,
        bids: book.bids.slice(0, limit),
        asks: book.asks.slice(0, limit),
      };
      polls.push(poll);
      expected.push(poll);
      if (step % 7 === 6) polls.push(expected[expected.length - 3]); // stale, must be skipped
      step++;
    }

    const differ = new DepthDiffer('NKNUSDT');
    const events: BinanceDepthUpdateEvent[] = [];
    polls.forEach((p, n) => {
      const ev = differ.push(p, 1633998512320 + n * 100);
      if (ev !== null) events.push(ev);
    });
    expect(events).toHaveLength(expected.length - 1);
    expect(differ.stats.stale).toBe(polls.length - expected.length);

    let book = nknSnapshot;
    const state = new BinanceMarketState('NKNUSDT');
    state.applySnapshot(nknSnapshot);
    events.forEach((ev, n) => {
      expect(ev.U).toBe(expected[n].lastUpdateId + 1);
      book = applyDepthUpdate(book, ev);
      expect(book).toEqual(expected[n + 1]);
      state.applyUpdate(ev);
      expect(state.depth(1000)).toEqual(expected[n + 1]);
    });
  });

  it('BinanceMarketState fed the real snapshot and real diffs ends with the reference book', () => {
    const { ref, applied } = replayReference();
    const state = new BinanceMarketState('NKNUSDT');
    expect(state.lastUpdateId).toBe(0);
    expect(state.hasBook()).toBe(false);
    state.applySnapshot(nknSnapshot);
    for (const ev of applied) state.applyUpdate(ev);
    expect(state.lastUpdateId).toBe(499870179);
    expect(state.depth(5000)).toEqual(ref.rest(5000));
    expect(state.depth(5)).toEqual(ref.rest(5));

    // The pure helper, fed every diff (stale first one included), lands on the same book.
    let book = nknSnapshot;
    for (const ev of nknDiffs) book = applyDepthUpdate(book, ev);
    expect(book).toEqual(ref.rest(5000));

    const top = ref.rest(1);
    expect(state.bookTicker()).toEqual({
      u: 499870179,
      s: 'NKNUSDT',
      b: top.bids[0][0],
      B: top.bids[0][1],
      a: top.asks[0][0],
      A: top.asks[0][1],
    });
  });

  it('real diff that does not continue the book is rejected', () => {
    const state = new BinanceMarketState('NKNUSDT');
    state.applySnapshot(nknSnapshot);
    // The first real frame (U=499869750, u=499869752) overlaps the snapshot instead of continuing it.
    expect(() => state.applyUpdate(nknDiffs[0])).toThrow(BookSyncError);
    expect(state.depth(5000)).toEqual(nknSnapshot);
  });
});

describe('real Binance BTCUSDT diff stream', () => {
  it('applies continuous real events and throws BookSyncError at the first real gap', () => {
    const state = new BinanceMarketState('BTCUSDT');
    state.applySnapshot({ lastUpdateId: btcDiffs[0].U - 1, bids: [], asks: [] });
    let thrown: unknown;
    let applied = 0;
    for (const ev of btcDiffs) {
      try {
        state.applyUpdate(ev);
        applied++;
      } catch (err) {
        thrown = err;
        break;
      }
    }
    expect(applied).toBe(22);
    expect(thrown).toBeInstanceOf(BookSyncError);
    expect((thrown as BookSyncError).code).toBe('ERR_BOOK_SYNC');
    expect(state.lastUpdateId).toBe(btcDiffs[21].u);
  });
});
