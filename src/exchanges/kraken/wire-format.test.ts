import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, TickstreamError } from '../../core/errors.js';
import { formatKrakenTime, numberToWireText, parseKrakenTime, toFixedText } from './wire-format.js';

describe('toFixedText', () => {
  it('writes text at exactly the precision, padding or dropping zeros', () => {
    expect(toFixedText('83930.30000', 1, 'price')).toBe('83930.3');
    expect(toFixedText('0.1', 8, 'qty')).toBe('0.10000000');
    expect(toFixedText('45281', 1, 'price')).toBe('45281.0');
    expect(toFixedText('12.000', 0, 'count')).toBe('12');
    expect(toFixedText('-429.30', 1, 'change')).toBe('-429.3');
  });

  it('rounds numbers and writes zero unsigned', () => {
    expect(toFixedText(0.1, 8, 'qty')).toBe('0.10000000');
    expect(toFixedText(84174.64, 1, 'vwap')).toBe('84174.6');
    expect(toFixedText(-0.04, 1, 'change')).toBe('0.0');
    expect(toFixedText('-0.00', 2, 'change_pct')).toBe('0.00');
  });

  it('refuses text that would lose a digit, or is not a plain decimal, naming the field', () => {
    expect(() => toFixedText('83930.35', 1, 'trade price')).toThrow(TickstreamError);
    expect(() => toFixedText('83930.35', 1, 'trade price')).toThrow(
      /trade price "83930.35" has more than 1 decimals/,
    );
    expect(() => toFixedText('1e-8', 8, 'qty')).toThrow(/qty "1e-8" is not a plain decimal/);
    expect(() => toFixedText('007.5', 1, 'price')).toThrow(/price "007.5" is not a plain decimal/);
    expect(() => toFixedText(Number.NaN, 8, 'qty')).toThrow(/qty NaN/);
  });
});

describe('numberToWireText', () => {
  it('gives back the text Kraken wrote for every value on the grid', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 2 ** 40 }), (decimals, units) => {
        const text = (units / 10 ** decimals).toFixed(decimals);
        expect(numberToWireText(Number(text), decimals, 'qty')).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a value with more decimals than the precision', () => {
    expect(() => numberToWireText(0.123456, 5, 'bid 3 price')).toThrow(DecodeError);
    expect(() => numberToWireText(0.123456, 5, 'bid 3 price')).toThrow(
      /bid 3 price 0.123456 has more than 5/,
    );
  });
});

describe('Kraken times', () => {
  it('writes RFC3339 with µs, or ns digits, from ms', () => {
    expect(formatKrakenTime(1696613755440.295)).toBe('2023-10-06T17:35:55.440295Z');
    expect(formatKrakenTime(1696613755440)).toBe('2023-10-06T17:35:55.440000Z');
    expect(formatKrakenTime(1789061520000, 9)).toBe('2026-09-10T17:32:00.000000000Z');
    expect(formatKrakenTime(1696613755999 + 0.9996)).toBe('2023-10-06T17:35:56.000000Z');
  });

  it('reads µs, ns, ms or no fraction, truncating to the millisecond', () => {
    expect(parseKrakenTime('2023-10-06T17:35:55.440295Z', 't')).toBe(1696613755440);
    expect(parseKrakenTime('2026-09-10T17:44:43.105760475Z', 't')).toBe(1789062283105);
    expect(parseKrakenTime('2023-10-04T07:48:25.010Z', 't')).toBe(1696405705010);
    expect(parseKrakenTime('2023-10-04T07:48:25.5Z', 't')).toBe(1696405705500);
    expect(parseKrakenTime('2024-03-09T00:00:00Z', 't')).toBe(Date.UTC(2024, 2, 9));
  });

  it('agrees with Date.parse on every millisecond time it writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        expect(parseKrakenTime(formatKrakenTime(ms), 't')).toBe(ms);
        expect(parseKrakenTime(formatKrakenTime(ms, 9), 't')).toBe(Date.parse(new Date(ms).toISOString()));
      }),
      { numRuns: 300 },
    );
  });

  it('refuses anything else, naming the field', () => {
    for (const bad of [
      '2023-10-06 17:35:55Z',
      '2023-10-06T17:35:55',
      '2023-10-06T17:35:55.Z',
      'x',
      17,
      null,
    ]) {
      expect(() => parseKrakenTime(bad, 'interval_begin')).toThrow(DecodeError);
    }
    expect(() => parseKrakenTime('soon', 'interval_begin')).toThrow(/field interval_begin is not an RFC3339/);
  });
});
