import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalsOf, formatUnits, unitsOf } from './decimal.js';

describe('decimal', () => {
  it('reads grid sizes', () => {
    expect(decimalsOf('0.01000000')).toBe(2);
    expect(decimalsOf('0.00001000')).toBe(5);
    expect(decimalsOf('0.10000000')).toBe(1);
    expect(decimalsOf('1.00000000')).toBe(0);
    expect(decimalsOf('5')).toBe(0);
    expect(unitsOf('0.01000000', 2)).toBe(1);
    expect(unitsOf('0.00500000', 3)).toBe(5);
    expect(unitsOf('1.00000000', 0)).toBe(1);
  });

  it('prints amounts with Binance’s 8 decimals', () => {
    expect(formatUnits(6712345, 2)).toBe('67123.45000000');
    expect(formatUnits(1230, 5)).toBe('0.01230000');
    expect(formatUnits(0, 2)).toBe('0.00000000');
    expect(formatUnits(7, 0)).toBe('7.00000000');
    expect(formatUnits(78354903150n, 7)).toBe('7835.49031500');
    expect(formatUnits(5, 0, 0)).toBe('5');
  });

  it('rounds half up when there are more than 8 decimals', () => {
    expect(formatUnits(123456789, 9)).toBe('0.12345679');
    expect(formatUnits(123456784, 9)).toBe('0.12345678');
    expect(formatUnits(2n ** 70n, 10)).toBe('118059162071.74113034');
  });

  it('rejects fractional or negative units', () => {
    expect(() => formatUnits(1.5, 2)).toThrow(RangeError);
    expect(() => formatUnits(-1, 2)).toThrow(RangeError);
  });

  it('agrees with exact decimal arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 8 }), (units, decimals) => {
        const text = formatUnits(units, decimals);
        expect(text).toMatch(/^\d+\.\d{8}$/);
        expect(BigInt(text.replace('.', ''))).toBe(BigInt(units) * 10n ** BigInt(8 - decimals));
      }),
    );
  });
});
