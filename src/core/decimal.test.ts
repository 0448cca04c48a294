import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toUnits } from './decimal.js';

/** The oracle: whole part and the first eight decimals, each read as a BigInt. */
function units(whole: string, fraction: string): bigint {
  return BigInt(whole === '' ? '0' : whole) * 100_000_000n + BigInt(fraction.padEnd(8, '0').slice(0, 8));
}

const digits = (max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { maxLength: max }).map((d) => d.join(''));

describe('toUnits', () => {
  it('reads any decimal string exactly, short (the float path) or long (the BigInt path)', () => {
    fc.assert(
      fc.property(digits(20), digits(12), fc.boolean(), (whole, fraction, dot) => {
        fc.pre(whole.length + fraction.length > 0);
        const text = dot || fraction.length > 0 ? `${whole}.${fraction}` : whole;
        expect(toUnits(text)).toBe(units(whole, fraction));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the prices and quantities exchanges print, and negative ones', () => {
    expect(toUnits('0.35280000')).toBe(35_280_000n);
    expect(toUnits('67250.01')).toBe(6_725_001_000_000n);
    expect(toUnits('90071992.54740991')).toBe(9_007_199_254_740_991n);
    expect(toUnits('90071992.54740992')).toBe(9_007_199_254_740_992n);
    expect(toUnits('12.')).toBe(1_200_000_000n);
    expect(toUnits('-1.5')).toBe(-150_000_000n);
  });

  it('refuses what is not a decimal, naming it', () => {
    expect(() => toUnits('1.2.3')).toThrow(/not a decimal string: "1.2.3"/);
    expect(() => toUnits('12a')).toThrow(/not a decimal string/);
  });
});
