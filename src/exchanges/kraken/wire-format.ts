/**
 * Kraken's text forms: fixed-precision decimals (v2 writes `0.10000000` and `45281.0` as JSON
 * numbers, REST as strings) and RFC3339 UTC times with 6 or 9 fraction digits
 * (`2023-10-06T17:35:55.440295Z`). Pure functions; errors name the value and the field.
 */
import { DecodeError, TickstreamError } from '../../core/errors.js';

/** A decimal the caller has as text (exact) or as a number (rounded to the precision). */
export type DecimalInput = string | number;

/** A JSON-valid plain decimal: no exponent, no leading zeros. */
const PLAIN_DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/**
 * `value` with exactly `decimals` fraction digits. A string is re-padded or stripped of trailing
 * zeros and must not lose a non-zero digit (`"83930.30000"`, 1 → `"83930.3"`); a number is
 * rounded (`toFixed`). Throws ERR_ENCODE naming `field` otherwise.
 */
export function toFixedText(value: DecimalInput, decimals: number, field: string): string {
  const text = fixedText(value, decimals, field);
  // -0.04 at 1 decimal is "-0.0": zero is written unsigned (no signed zero seen from Kraken).
  return text.charCodeAt(0) === 45 /* - */ && /^-[0.]+$/.test(text) ? text.slice(1) : text;
}

function fixedText(value: DecimalInput, decimals: number, field: string): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) >= 1e21) {
      throw new TickstreamError('ERR_ENCODE', `kraken: ${field} ${value} is not a finite plain decimal`);
    }
    return value.toFixed(decimals);
  }
  if (!PLAIN_DECIMAL.test(value)) {
    throw new TickstreamError('ERR_ENCODE', `kraken: ${field} "${value}" is not a plain decimal string`);
  }
  const dot = value.indexOf('.');
  const whole = dot === -1 ? value : value.slice(0, dot);
  const fraction = dot === -1 ? '' : value.slice(dot + 1);
  if (fraction.length <= decimals) {
    const padded = fraction + '0'.repeat(decimals - fraction.length);
    return decimals === 0 ? whole : `${whole}.${padded}`;
  }
  const dropped = fraction.slice(decimals);
  if (!/^0*$/.test(dropped)) {
    throw new TickstreamError(
      'ERR_ENCODE',
      `kraken: ${field} "${value}" has more than ${decimals} decimals; it is off the pair's grid`,
    );
  }
  return decimals === 0 ? whole : `${whole}.${fraction.slice(0, decimals)}`;
}

/**
 * A number as the fixed text Kraken sent for it. Exact for values that Kraken wrote with at most
 * `decimals` digits; throws DecodeError when the number needs more (wrong precision for the pair).
 */
export function numberToWireText(value: number, decimals: number, field: string): string {
  const text = value.toFixed(decimals);
  if (+text !== value) {
    throw new DecodeError(
      `kraken: ${field} ${value} has more than ${decimals} decimals; check the pair's precision ` +
        '(AssetPairs pair_decimals / lot_decimals)',
    );
  }
  return text;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * ms since epoch (a fraction carries µs) as RFC3339 with `fractionDigits` 6 (`….440295Z`) or 9
 * (`….440295000Z`).
 */
export function formatKrakenTime(ms: number, fractionDigits: 6 | 9 = 6): string {
  if (!Number.isFinite(ms)) throw new TickstreamError('ERR_ENCODE', `kraken: time ${ms} is not finite`);
  const micros = Math.round(ms * 1000);
  const whole = Math.floor(micros / 1000);
  const iso = new Date(whole).toISOString(); // 2023-10-06T17:35:55.440Z
  const sub = pad(micros - whole * 1000, 3);
  return iso.slice(0, 23) + sub + (fractionDigits === 9 ? '000Z' : 'Z');
}

const ZERO = 48;

function digitsAt(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * RFC3339 UTC (`2023-10-06T17:35:55.440295Z`, any number of fraction digits or none) to ms,
 * truncating below the millisecond. Throws DecodeError naming `field`.
 */
export function parseKrakenTime(text: unknown, field: string): number {
  if (typeof text === 'string' && text.length >= 20 && text.charCodeAt(text.length - 1) === 90 /* Z */) {
    const ms = Date.UTC(
      digitsAt(text, 0, 4),
      digitsAt(text, 5, 2) - 1,
      digitsAt(text, 8, 2),
      digitsAt(text, 11, 2),
      digitsAt(text, 14, 2),
      digitsAt(text, 17, 2),
    );
    const shapeOk =
      text[4] === '-' && text[7] === '-' && text[10] === 'T' && text[13] === ':' && text[16] === ':';
    const fraction = text.length === 20 ? 0 : text[19] === '.' ? fractionMs(text) : NaN;
    if (shapeOk && ms === ms && fraction === fraction) return ms + fraction;
  }
  throw new DecodeError(`kraken: field ${field} is not an RFC3339 UTC time: ${JSON.stringify(text)}`);
}

/** Milliseconds of the fraction of `…:SS.fffffZ` (digits after the third are dropped). */
function fractionMs(text: string): number {
  const digits = text.length - 21;
  if (digits < 1) return NaN;
  const all = digitsAt(text, 20, digits);
  if (all !== all) return NaN;
  const first = digitsAt(text, 20, Math.min(3, digits));
  return digits >= 3 ? first : first * (digits === 1 ? 100 : 10);
}
