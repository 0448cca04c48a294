import { describe, expect, it } from 'vitest';
import { MAX_EVENT_ID_LENGTH, decodeEventId, encodeEventId, streamsFingerprint } from './sse-id.js';

describe('SSE event ids', () => {
  const fp = streamsFingerprint(['pBTC/USDT', 'pETH/USDT', 'strade@BTC/USDT']);

  it('writes one epoch for streams that share it and reads every position back', () => {
    const positions = [
      { offset: 12, epoch: 'ab12cd34' },
      { offset: 0, epoch: 'ab12cd34' },
      { offset: 7, epoch: 'ab12cd34' },
    ];
    const id = encodeEventId(fp, positions);
    expect(id).toBe(`${fp}/ab12cd34:12,0,7`);
    expect(decodeEventId(id, fp, 3)).toEqual({ ok: true, positions });
  });

  it('writes an epoch again where it changes, percent-encoding any character', () => {
    const positions = [
      { offset: 1, epoch: 'a:b,c/d' },
      { offset: 2, epoch: 'other' },
      { offset: 3, epoch: 'other' },
    ];
    const id = encodeEventId(fp, positions);
    expect(id).toBe(`${fp}/a%3Ab%2Cc%2Fd:1,other:2,3`);
    expect(decodeEventId(id, fp, 3)).toEqual({ ok: true, positions });
  });

  it('tells stream lists apart, order included', () => {
    expect(streamsFingerprint(['pA', 'pB'])).not.toBe(streamsFingerprint(['pB', 'pA']));
    expect(streamsFingerprint(['pA', 'pB'])).toBe(streamsFingerprint(['pA', 'pB']));
  });

  it('refuses what it did not write for this stream list, saying why', () => {
    const cases: [string, number, RegExp][] = [
      ['nonsense', 3, /is not an id this server wrote/],
      [`zz/e:1,2,3`, 3, /another set of streams/],
      [`${fp}/e:1,2`, 3, /2 positions for 3 streams/],
      [`${fp}/1,2,3`, 3, /entry 1 \('1'\) is not <epoch>:<offset>/],
      [`${fp}/e:1,-2,3`, 3, /entry 2/],
      [`${fp}/e:1,2,x:`, 3, /entry 3/],
      [`${fp}/%E0%A4%A:1,2,3`, 3, /malformed epoch/],
      [`${fp}/e:99999999999999999,2,3`, 3, /entry 1/],
      ['x'.repeat(MAX_EVENT_ID_LENGTH + 1), 3, /longer than any this server writes/],
    ];
    for (const [id, count, why] of cases) {
      const r = decodeEventId(id, fp, count);
      expect(r.ok, id).toBe(false);
      if (!r.ok) expect(r.error).toMatch(why);
    }
  });
});
