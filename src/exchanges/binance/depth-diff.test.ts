import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookSyncError } from '../../core/errors.js';
import { DepthDiffer, applyDepthUpdate } from './depth-diff.js';
import { BinanceMarketState } from './market-state.js';
import type { BinanceDepthUpdateEvent, BinanceLevel, BinanceRestDepth } from './wire.js';

/** Grid index `k` as a price string: tick 10^-tickDecimals, written with `decimals` decimals. */
function gridPrice(k: number, tickDecimals: number, decimals: number): string {
  const digits = String(k).padStart(tickDecimals + 1, '0');
  const int = digits.slice(0, digits.length - tickDecimals);
  const frac = digits.slice(digits.length - tickDecimals).padEnd(decimals, '0');
  return decimals === 0 ? int : `${int}.${frac}`;
}

function qtyString(q: number, decimals: number): string {
  return q.toFixed(decimals);
}

function isStrictlyOrdered(levels: readonly BinanceLevel[], descending: boolean): boolean {
  for (let i = 1; i < levels.length; i++) {
    const a = +levels[i - 1][0];
    const b = +levels[i][0];
    if (descending ? !(a > b) : !(a < b)) return false;
  }
  return true;
}

interface RawLevel {
  k: number;
  q: number;
}

interface RawSnapshot {
  kind: 'new' | 'repeat' | 'stale';
  idStep: number;
  mid: number;
  bids: RawLevel[];
  asks: RawLevel[];
}

const rawLevel = fc.record({ k: fc.integer({ min: 1, max: 40 }), q: fc.integer({ min: 1, max: 3 }) });
const rawSnapshot: fc.Arbitrary<RawSnapshot> = fc.record({
  kind: fc.constantFrom<RawSnapshot['kind']>('new', 'new', 'new', 'repeat', 'stale'),
  idStep: fc.integer({ min: 1, max: 50 }),
  mid: fc.integer({ min: 12, max: 28 }),
  bids: fc.array(rawLevel, { maxLength: 25 }),
  asks: fc.array(rawLevel, { maxLength: 25 }),
});

interface Grid {
  tickDecimals: number;
  priceDecimals: number;
  qtyDecimals: number;
}

const grid: fc.Arbitrary<Grid> = fc
  .record({
    tickDecimals: fc.integer({ min: 0, max: 4 }),
    extra: fc.integer({ min: 0, max: 4 }),
    qtyDecimals: fc.constantFrom(0, 2, 8),
  })
  .map(({ tickDecimals, extra, qtyDecimals }) => ({
    tickDecimals,
    priceDecimals: tickDecimals + extra,
    qtyDecimals,
  }));

/** One side of a valid book: unique prices on the grid, on the right side of `mid`, best first. */
function buildSide(raw: RawLevel[], mid: number, bids: boolean, g: Grid): BinanceLevel[] {
  const byK = new Map<number, number>();
  for (const l of raw) if (bids ? l.k < mid : l.k >= mid) byK.set(l.k, l.q);
  const ks = [...byK.keys()].sort((a, b) => (bids ? b - a : a - b));
  return ks.map((k) => [
    gridPrice(k, g.tickDecimals, g.priceDecimals),
    qtyString(byK.get(k) as number, g.qtyDecimals),
  ]);
}

/** Turn raw draws into a snapshot sequence; returns it and the indexes a differ must accept. */
function buildSequence(
  firstId: number,
  raws: RawSnapshot[],
  g: Grid,
): { snapshots: BinanceRestDepth[]; accepted: number[] } {
  const snapshots: BinanceRestDepth[] = [];
  const accepted: number[] = [];
  let lastId = firstId;
  let last: BinanceRestDepth | undefined;
  for (const r of raws) {
    if (last === undefined || r.kind === 'new') {
      lastId += r.idStep;
      last = {
        lastUpdateId: lastId,
        bids: buildSide(r.bids, r.mid, true, g),
        asks: buildSide(r.asks, r.mid, false, g),
      };
      accepted.push(snapshots.length);
      snapshots.push(last);
    } else if (r.kind === 'repeat') {
      lastId += r.idStep;
      last = {
        lastUpdateId: lastId,
        bids: last.bids.map((l) => [l[0], l[1]]),
        asks: last.asks.map((l) => [l[0], l[1]]),
      };
      accepted.push(snapshots.length);
      snapshots.push(last);
    } else {
      // An older capture arriving late: id at or below the last accepted one, any content.
      const id = Math.max(firstId, lastId - (r.idStep % 5));
      snapshots.push({ lastUpdateId: id, bids: buildSide(r.bids, r.mid, true, g), asks: [] });
    }
  }
  return { snapshots, accepted };
}

describe('applyDepthUpdate', () => {
  const book: BinanceRestDepth = {
    lastUpdateId: 10,
    bids: [
      ['5', '1'],
      ['4', '1'],
    ],
    asks: [['6', '1']],
  };
  const ev = (U: number, u: number, b: BinanceLevel[], a: BinanceLevel[]): BinanceDepthUpdateEvent => ({
    e: 'depthUpdate',
    E: 0,
    s: 'X',
    U,
    u,
    b,
    a,
  });

  it('sets, inserts and deletes levels and advances the id, without touching the input', () => {
    const out = applyDepthUpdate(
      book,
      ev(
        11,
        12,
        [
          ['4.5', '2'],
          ['4', '0'],
        ],
        [['6', '3']],
      ),
    );
    expect(out).toEqual({
      lastUpdateId: 12,
      bids: [
        ['5', '1'],
        ['4.5', '2'],
      ],
      asks: [['6', '3']],
    });
    expect(book.bids).toHaveLength(2);
  });

  it('applies the sync rule: stale events are ignored, an event straddling the id applies, a gap throws', () => {
    expect(applyDepthUpdate(book, ev(5, 10, [['5', '9']], []))).toBe(book);
    expect(applyDepthUpdate(book, ev(9, 11, [['5', '9']], [])).bids[0]).toEqual(['5', '9']);
    expect(() => applyDepthUpdate(book, ev(12, 13, [], []))).toThrow(BookSyncError);
  });

  it('lets the later of two changes to one price win', () => {
    const out = applyDepthUpdate(
      book,
      ev(
        11,
        11,
        [
          ['5', '2'],
          ['5', '0'],
        ],
        [],
      ),
    );
    expect(out.bids).toEqual([['4', '1']]);
  });
});

describe('DepthDiffer', () => {
  it('takes the first snapshot as base, skips stale ones, and keeps ids continuous on unchanged ones', () => {
    const d = new DepthDiffer('BTCUSDT');
    const base: BinanceRestDepth = { lastUpdateId: 100, bids: [['1.00', '1.00']], asks: [['2.00', '1.00']] };
    expect(d.hasBase()).toBe(false);
    expect(d.push(base, 1)).toBeNull();
    expect(d.hasBase()).toBe(true);
    expect(d.push({ ...base, lastUpdateId: 90 }, 2)).toBeNull();
    expect(d.push({ ...base, lastUpdateId: 100 }, 3)).toBeNull();
    expect(d.push({ ...base, lastUpdateId: 105 }, 4)).toEqual({
      e: 'depthUpdate',
      E: 4,
      s: 'BTCUSDT',
      U: 101,
      u: 105,
      b: [],
      a: [],
    });
    const ev = d.push({ lastUpdateId: 107, bids: [], asks: [['2.00', '1.50']] }, 5);
    expect(ev).toMatchObject({ U: 106, u: 107, b: [['1.00', '0.00']], a: [['2.00', '1.50']] });
    expect(d.lastUpdateId).toBe(107);
    expect(d.stats).toEqual({ snapshots: 3, stale: 2, updates: 2, unchanged: 1, levels: 2 });
  });

  it('PROPERTY: applying every diff to the first snapshot reproduces every later snapshot exactly', () => {
    fc.assert(
      fc.property(
        grid,
        fc.integer({ min: 0, max: 1_000_000_000 }),
        fc.array(rawSnapshot, { minLength: 2, maxLength: 25 }),
        (g, firstId, raws) => {
          const { snapshots, accepted } = buildSequence(firstId, raws, g);
          const differ = new DepthDiffer('TESTUSDT');
          const events: Array<BinanceDepthUpdateEvent | null> = snapshots.map((s, i) =>
            differ.push(s, 1000 + i),
          );
          const isAccepted = new Set(accepted);
          expect(events[0]).toBeNull();
          for (let i = 1; i < snapshots.length; i++) expect(events[i] === null).toBe(!isAccepted.has(i));
          expect(differ.stats.stale).toBe(snapshots.length - accepted.length);

          const first = snapshots[accepted[0]];
          let book = first;
          let prevU = first.lastUpdateId;
          const state = new BinanceMarketState('TESTUSDT');
          state.applySnapshot(first);
          const zero = qtyString(0, g.qtyDecimals);
          for (let j = 1; j < accepted.length; j++) {
            const expected = snapshots[accepted[j]];
            const ev = events[accepted[j]] as BinanceDepthUpdateEvent;
            expect(ev.U).toBe(prevU + 1);
            expect(ev.u).toBe(expected.lastUpdateId);
            expect(isStrictlyOrdered(ev.b, true)).toBe(true);
            expect(isStrictlyOrdered(ev.a, false)).toBe(true);
            for (const l of ev.b.concat(ev.a)) if (+l[1] === 0) expect(l[1]).toBe(zero);
            prevU = ev.u;

            book = applyDepthUpdate(book, ev);
            expect(book).toEqual(expected);

            state.applyUpdate(ev);
            expect(state.lastUpdateId).toBe(expected.lastUpdateId);
            expect(state.depth(1000)).toEqual(expected);
          }
          // The snapshots themselves were never modified.
          expect(first).toEqual(snapshots[accepted[0]]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
