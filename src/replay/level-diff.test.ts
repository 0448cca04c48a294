import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDiff,
  diffBooks,
  SnapshotDiffer,
  zeroLike,
  type TextBook,
  type TextLevel,
} from './level-diff.js';

describe('diffBooks', () => {
  it('reports changed, new and vanished levels with zero in the book decimals', () => {
    const prev: TextBook = {
      bids: [
        ['10.00', '1.00000000'],
        ['9.00', '2.00000000'],
        ['8.00', '3.00000000'],
      ],
      asks: [
        ['11.00', '1.00000000'],
        ['12.00', '1.00000000'],
      ],
    };
    const next: TextBook = {
      bids: [
        ['10.00', '1.00000000'],
        ['9.50', '4.00000000'],
        ['8.00', '3.50000000'],
      ],
      asks: [['12.00', '1.00000000']],
    };
    expect(diffBooks(prev, next)).toEqual({
      bids: [
        ['9.50', '4.00000000'],
        ['9.00', '0.00000000'],
        ['8.00', '3.50000000'],
      ],
      asks: [['11.00', '0.00000000']],
    });
  });

  it('compares prices as numbers but keeps (and re-emits) the exact strings', () => {
    const prev: TextBook = { bids: [['1.5', '2']], asks: [] };
    const same: TextBook = { bids: [['1.5', '2']], asks: [] };
    const respelled: TextBook = { bids: [['1.50', '2']], asks: [] };
    expect(diffBooks(prev, same)).toEqual({ bids: [], asks: [] });
    expect(diffBooks(same, respelled)).toEqual({ bids: [['1.50', '2']], asks: [] });
  });

  it('sorts unsorted input defensively', () => {
    const prev: TextBook = { bids: [], asks: [] };
    const next: TextBook = {
      bids: [
        ['1', '1'],
        ['3', '1'],
        ['2', '1'],
      ],
      asks: [
        ['6', '1'],
        ['4', '1'],
      ],
    };
    const d = diffBooks(prev, next);
    expect(d.bids.map((l) => l[0])).toEqual(['3', '2', '1']);
    expect(d.asks.map((l) => l[0])).toEqual(['4', '6']);
  });

  it('zeroLike keeps the decimals of the quantity it replaces', () => {
    expect(zeroLike('12.50000000')).toBe('0.00000000');
    expect(zeroLike('3.5')).toBe('0.0');
    expect(zeroLike('7')).toBe('0');
  });
});

/** A random side on a 0.5 grid, best first, with distinct prices. */
const side = (descending: boolean): fc.Arbitrary<TextLevel[]> =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 400 }), { maxLength: 30 })
    .chain((ticks) =>
      fc
        .tuple(...ticks.map(() => fc.integer({ min: 1, max: 9999 })))
        .map((qtys) =>
          ticks
            .map((t, i): TextLevel => [(t / 2).toFixed(1), (qtys[i] / 1000).toFixed(3)])
            .sort((x, y) => (descending ? +y[0] - +x[0] : +x[0] - +y[0])),
        ),
    );
const book: fc.Arbitrary<TextBook> = fc.record({ bids: side(true), asks: side(false) });

describe('SnapshotDiffer', () => {
  it('PROPERTY: applying each diff to the first snapshot reproduces every later one exactly', () => {
    fc.assert(
      fc.property(fc.array(book, { minLength: 1, maxLength: 12 }), (snapshots) => {
        const differ = new SnapshotDiffer();
        expect(differ.push(snapshots[0])).toBeNull();
        let rebuilt: TextBook = snapshots[0];
        for (let i = 1; i < snapshots.length; i++) {
          const diff = differ.push(snapshots[i]);
          if (diff === null) throw new Error('a diff after the base');
          rebuilt = applyDiff(rebuilt, diff);
          expect(rebuilt).toEqual({ bids: snapshots[i].bids, asks: snapshots[i].asks });
        }
      }),
      { numRuns: 200 },
    );
  });

  it('starts a new run after reset', () => {
    const differ = new SnapshotDiffer();
    differ.push({ bids: [['1', '1']], asks: [] });
    differ.reset();
    expect(differ.hasBase()).toBe(false);
    expect(differ.push({ bids: [], asks: [] })).toBeNull();
  });
});

describe('levels with more fields than price and quantity', () => {
  type FourField = [px: string, sz: string, liquidated: string, orders: string];
  const deleted = (gone: FourField): FourField => [gone[0], '0', '0', '0'];

  it('a change in any field is a change of the level; a vanished one is written by `removed`', () => {
    const prev: TextBook<FourField> = {
      bids: [
        ['10', '1.5', '0', '2'],
        ['9', '2', '0', '1'],
      ],
      asks: [['11', '1', '0', '1']],
    };
    const next: TextBook<FourField> = {
      bids: [
        ['10', '1.5', '0', '3'],
        ['9', '2', '0', '1'],
      ],
      asks: [],
    };
    expect(diffBooks(prev, next, deleted)).toEqual({
      bids: [['10', '1.5', '0', '3']],
      asks: [['11', '0', '0', '0']],
    });
  });

  it('by default keeps the other fields of a vanished level and zeroes its quantity', () => {
    const prev: TextBook<FourField> = { bids: [['10', '1.50', '0', '2']], asks: [] };
    expect(diffBooks(prev, { bids: [], asks: [] })).toEqual({ bids: [['10', '0.00', '0', '2']], asks: [] });
  });

  it('PROPERTY: with order counts changing alone, the diffs still rebuild every snapshot', () => {
    const fourFieldSide = (descending: boolean): fc.Arbitrary<FourField[]> =>
      fc
        .uniqueArray(fc.integer({ min: 1, max: 40 }), { maxLength: 12 })
        .chain((ticks) =>
          fc
            .tuple(
              ...ticks.map(() => fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))),
            )
            .map((fields) =>
              ticks
                .map((t, i): FourField => [String(t), String(fields[i][0]), '0', String(fields[i][1])])
                .sort((x, y) => (descending ? +y[0] - +x[0] : +x[0] - +y[0])),
            ),
        );
    const fourFieldBook = fc.record({ bids: fourFieldSide(true), asks: fourFieldSide(false) });
    fc.assert(
      fc.property(fc.array(fourFieldBook, { minLength: 2, maxLength: 10 }), (snapshots) => {
        const differ = new SnapshotDiffer<FourField>(deleted);
        differ.push(snapshots[0]);
        let rebuilt: TextBook<FourField> = snapshots[0];
        for (let i = 1; i < snapshots.length; i++) {
          rebuilt = applyDiff(rebuilt, differ.push(snapshots[i]) ?? { bids: [], asks: [] });
          expect(rebuilt).toEqual({ bids: snapshots[i].bids, asks: snapshots[i].asks });
        }
      }),
      { numRuns: 200 },
    );
  });
});
