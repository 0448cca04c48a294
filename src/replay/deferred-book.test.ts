import { describe, expect, it } from 'vitest';
import { DeferredBook } from './deferred-book.js';

/** A target that records what reached it: loads as `load:<id>`, diffs as `diff:<id>`. */
function recording() {
  const seen: string[] = [];
  const book = new DeferredBook({
    load: (b) => seen.push(`load:${(b as { id: number }).id}`),
    apply: (d) => seen.push(`diff:${(d as { id: number }).id}`),
  });
  return { seen, book };
}
const bytes = (id: number) => Buffer.from(JSON.stringify({ id }));

describe('DeferredBook', () => {
  it('applies nothing until read, then the last whole book and the diffs after it, in order', () => {
    const { seen, book } = recording();
    book.snapshot(bytes(1));
    book.diff(bytes(2), undefined);
    book.diff(bytes(3), bytes(30));
    book.diff(bytes(4), undefined);
    book.diff(bytes(5), undefined);
    expect(seen).toEqual([]);
    expect(book.behind).toBe(true);
    book.current();
    expect(seen).toEqual(['load:30', 'diff:4', 'diff:5']);
    expect(book.behind).toBe(false);
    book.current();
    expect(seen).toHaveLength(3);
    book.diff(bytes(6), undefined);
    book.current();
    expect(seen).toEqual(['load:30', 'diff:4', 'diff:5', 'diff:6']);
    expect({ loads: book.loads, applied: book.applied }).toEqual({ loads: 1, applied: 3 });
  });

  it('applies what it holds once too many diffs came without a whole book', () => {
    const { seen, book } = recording();
    book.snapshot(bytes(0));
    for (let i = 1; i <= 1025; i++) book.diff(bytes(i), undefined);
    expect(seen).toHaveLength(1026);
    expect(book.behind).toBe(false);
  });

  it('forgets what it holds when cleared', () => {
    const { seen, book } = recording();
    book.snapshot(bytes(1));
    book.diff(bytes(2), undefined);
    book.clear();
    book.current();
    expect(seen).toEqual([]);
  });
});
