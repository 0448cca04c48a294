/**
 * Exact fixed-point decimals for derived market statistics: prices and quantities as bigint
 * units of 1e-8 (the 8 decimals exchanges such as Binance print), products of two of them in
 * 1e-16 units. Parsing and formatting are string digit work, never floating point.
 */
import { DecodeError } from './errors.js';

export const DECIMALS = 8;
/** One whole unit in 1e-8 units. */
export const UNIT = 100_000_000n;
/** Zero with 8 decimals, as exchanges print it. */
export const ZERO_DECIMAL = '0.00000000';

const PAD = ['', '0', '00', '000', '0000', '00000', '000000', '0000000', '00000000'];

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * `"0.35280000"` → 35280000n. Digits past the eighth decimal are dropped (Binance never sends them).
 * Per trade on the replay's hot path: the digits are summed as a float while that is exact (at
 * most 15 of them and a result within 2^53), else read as a BigInt string.
 */
export function toUnits(s: string): bigint {
  let value = 0;
  let digits = 0;
  let decimals = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 && decimals < 0) {
      decimals = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9 || ++digits > 15) return toUnitsExactly(s);
    if (decimals >= 0) {
      if (decimals === DECIMALS) continue;
      decimals++;
    }
    value = value * 10 + d;
  }
  if (digits === 0) return toUnitsExactly(s);
  const units = value * POWERS_OF_TEN[decimals < 0 ? DECIMALS : DECIMALS - decimals];
  return units <= Number.MAX_SAFE_INTEGER ? BigInt(units) : toUnitsExactly(s);
}

/** {@link toUnits} by BigInt string: any length, any sign; throws on what is not a decimal. */
function toUnitsExactly(s: string): bigint {
  const dot = s.indexOf('.');
  try {
    if (dot < 0) return BigInt(s) * UNIT;
    const frac = s.length - dot - 1;
    const digits =
      frac >= DECIMALS
        ? s.slice(0, dot) + s.slice(dot + 1, dot + 1 + DECIMALS)
        : s.slice(0, dot) + s.slice(dot + 1) + PAD[DECIMALS - frac];
    return BigInt(digits);
  } catch (cause) {
    throw new DecodeError(`not a decimal string: ${JSON.stringify(s)}`, { cause });
  }
}

/** A scaled integer as a decimal string with exactly `decimals` digits after the point. */
export function formatFixed(v: bigint, decimals: number): string {
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(decimals + 1, '0');
  const cut = digits.length - decimals;
  return (neg ? '-' : '') + digits.slice(0, cut) + '.' + digits.slice(cut);
}

/** 1e-8 units with 8 decimals: 35280000n → `"0.35280000"`. */
export function formatUnits(v: bigint): string {
  return formatFixed(v, DECIMALS);
}

/** A price × quantity sum (1e-16 units) with 8 decimals, rounded half away from zero. */
export function formatProductUnits(v: bigint): string {
  return formatFixed(divRound(v, UNIT), DECIMALS);
}

/** `n / d` rounded half away from zero (`d > 0`). */
export function divRound(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = r < 0n ? -2n * r : 2n * r;
  if (twice >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** Decimals that carry information: `"0.35210000"` → 4, `"672.00000000"` → 0. */
export function significantDecimals(s: string): number {
  const dot = s.indexOf('.');
  if (dot < 0) return 0;
  let end = s.length;
  while (end > dot + 1 && s.charCodeAt(end - 1) === 48) end--;
  return end - dot - 1;
}

/**
 * The midpoint of two prices as the decimals they print as, not as binary floats: 0.1 and 0.2
 * give 0.15 (float: 0.15000000000000002). Each number is read by its shortest round-trip text,
 * the sum halved exactly in scaled integers, the result the double nearest to the exact decimal.
 * A price printed in exponent form (1e-7, 1e21) or not finite falls back to float arithmetic.
 */
export function decimalMid(a: number, b: number): number {
  const x = String(a);
  const y = String(b);
  if (!Number.isFinite(a) || !Number.isFinite(b) || x.includes('e') || y.includes('e')) return (a + b) / 2;
  const decimals = Math.max(fractionDigits(x), fractionDigits(y));
  // (x + y) / 2 = (x + y) * 5 / 10, one more decimal.
  const sum = scaledBy(x, decimals) + scaledBy(y, decimals);
  return Number(formatFixed(sum * 5n, decimals + 1));
}

function fractionDigits(s: string): number {
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Plain decimal text as an integer of `decimals` fraction digits (`"-1.5"`, 3 → -1500n). */
function scaledBy(s: string, decimals: number): bigint {
  const dot = s.indexOf('.');
  const whole = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? '' : s.slice(dot + 1);
  return BigInt(whole + frac.padEnd(decimals, '0'));
}
