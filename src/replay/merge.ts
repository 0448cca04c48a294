/**
 * Merge async sources that are each ordered by time into one time-ordered stream.
 * Ties keep source order (the first source wins), so merging is deterministic.
 * Returning early closes every source.
 */
export async function* mergeByTime<T>(
  sources: ReadonlyArray<AsyncIterable<T>>,
  timeOf: (item: T) => number,
): AsyncGenerator<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<IteratorResult<T> | undefined> = await Promise.all(iterators.map((it) => it.next()));
  try {
    while (true) {
      let best = -1;
      let bestTime = Infinity;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head === undefined || head.done) continue;
        const t = timeOf(head.value);
        if (best === -1 || t < bestTime) {
          best = i;
          bestTime = t;
        }
      }
      if (best === -1) return;
      const head = heads[best] as IteratorYieldResult<T>;
      heads[best] = await iterators[best].next();
      yield head.value;
    }
  } finally {
    await Promise.all(
      iterators.map((it, i) => (heads[i] !== undefined && !heads[i]?.done ? it.return?.() : undefined)),
    );
  }
}
