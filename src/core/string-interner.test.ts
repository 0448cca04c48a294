import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringInterner } from './string-interner.js';

describe('StringInterner', () => {
  it('PROPERTY: reads every slice as its UTF-8 text, whatever was read before', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 40 }), (texts) => {
        const interner = new StringInterner(8, 16);
        const buf = Buffer.from(`|${texts.join('|')}|`);
        let from = 1;
        for (const text of texts) {
          const end = from + Buffer.byteLength(text);
          expect(interner.text(buf, from, end)).toBe(text);
          from = end + 1;
        }
        expect(interner.size).toBeLessThanOrEqual(16);
      }),
    );
  });

  it('hands back the string it made for the same bytes, wherever they sit', () => {
    const interner = new StringInterner();
    const first = interner.text(Buffer.from('xxBTCUSDTyy'), 2, 9);
    const again = interner.text(Buffer.from('BTCUSDT'), 0, 7);
    expect(again).toBe('BTCUSDT');
    expect(Object.is(first, again)).toBe(true);
    expect(interner.text(Buffer.from('ETHUSDT'), 0, 7)).toBe('ETHUSDT');
    expect(interner.size).toBe(2);
  });

  it('keeps no view of the buffer it read: a later change to those bytes does not change the text', () => {
    const interner = new StringInterner();
    const buf = Buffer.from('SOLUSDT');
    expect(interner.text(buf, 0, 7)).toBe('SOLUSDT');
    buf.write('XRPUSDT');
    expect(interner.text(buf, 0, 7)).toBe('XRPUSDT');
    expect(interner.text(Buffer.from('SOLUSDT'), 0, 7)).toBe('SOLUSDT');
  });

  it('decodes texts past its length bound and past its entry bound without holding them', () => {
    const interner = new StringInterner(4, 2);
    expect(interner.text(Buffer.from('LONGER'), 0, 6)).toBe('LONGER');
    expect(interner.size).toBe(0);
    for (const t of ['AB', 'CD', 'EF', 'GH']) expect(interner.text(Buffer.from(t), 0, 2)).toBe(t);
    expect(interner.size).toBe(2);
  });
});
