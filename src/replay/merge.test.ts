import { describe, expect, it } from 'vitest';
import { mergeByTime } from './merge.js';

async function* from(items: number[], closed: string[], name: string): AsyncGenerator<number> {
  try {
    for (const i of items) yield i;
  } finally {
    closed.push(name);
  }
}

describe('mergeByTime', () => {
  it('interleaves time-ordered sources in time order, ties to the first source', async () => {
    const closed: string[] = [];
    const out: number[] = [];
    for await (const x of mergeByTime(
      [from([1, 3, 5, 5], closed, 'a'), from([2, 3, 4, 9], closed, 'b')],
      (n) => n,
    )) {
      out.push(x);
    }
    expect(out).toEqual([1, 2, 3, 3, 4, 5, 5, 9]);
  });

  it('closes every unfinished source when the consumer stops early', async () => {
    const closed: string[] = [];
    for await (const x of mergeByTime(
      [from([1, 2, 3], closed, 'a'), from([1, 2, 3], closed, 'b')],
      (n) => n,
    )) {
      if (x === 2) break;
    }
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
