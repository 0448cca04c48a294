import { describe, expect, it } from 'vitest';
import { BENCH_PARTS, selectParts } from './bench.js';

describe('bench --only', () => {
  it('runs every part without it, and the named ones in run order with it', () => {
    // The soak takes ten minutes: only when named.
    expect(selectParts(undefined).map(([name]) => name)).toEqual(
      BENCH_PARTS.map(([name]) => name).filter((n) => n !== 'soak'),
    );
    expect(selectParts('soak').map(([name]) => name)).toEqual(['soak']);
    expect(selectParts('sse, scaleout').map(([name]) => name)).toEqual(['scaleout', 'sse']);
  });

  it('refuses an unknown part, naming it, the nearest name and the list', () => {
    expect(() => selectParts('scaleuot')).toThrow(
      /no bench part "scaleuot" \(did you mean "scaleout"\?\); parts: replay, /,
    );
    expect(() => selectParts(' , ')).toThrow(/--only needs at least one part name/);
  });
});
