import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClientTopics } from './client-topics.js';

type Op = { op: 'set'; key: string; value: number } | { op: 'delete'; key: string } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    key: fc.constantFrom('a', 'b', 'c', 'd'),
    value: fc.integer(),
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('ClientTopics', () => {
  it('answers every get, has, size and values exactly as a Map would, after any sequence of changes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const topics = new ClientTopics<number>();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.op === 'set') {
            topics.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.op === 'delete') {
            expect(topics.delete(o.key)).toBe(model.delete(o.key));
          } else {
            topics.clear();
            model.clear();
          }
          expect(topics.size).toBe(model.size);
          expect([...topics.values()]).toEqual([...model.values()]);
          for (const key of ['a', 'b', 'c', 'd']) {
            expect(topics.get(key)).toBe(model.get(key));
            expect(topics.has(key)).toBe(model.has(key));
          }
        }
      }),
    );
  });
});
