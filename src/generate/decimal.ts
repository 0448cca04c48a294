/**
 * Exact decimal formatting for integer amounts on a grid: a price is a whole number of ticks, a
 * quantity a whole number of steps. Binance prints every price and quantity with 8 decimals.
 */

export const BINANCE_DECIMALS = 8;

/** Decimal places of a grid size string: `"0.01000000"` → 2, `"1.00000000"` → 0. */
export function decimalsOf(size: string): number {
  const dot = size.indexOf('.');
  if (dot < 0) return 0;
  const fraction = size.slice(dot + 1).replace(/0+$/, '');
  return fraction.length;
}

/** `"0.01000000"` with `decimals` 2 → 1 (the grid size in units of 10^-decimals). */
export function unitsOf(size: string, decimals: number): number {
  const [whole, fraction = ''] = size.split('.');
  const digits = whole + fraction.padEnd(decimals, '0').slice(0, decimals);
  return Number(digits);
}

/**
 * `units × 10^-decimals` printed with exactly `outDecimals` places, rounding half up when
 * `decimals` is larger. `(6712345, 2)` → `"67123.45000000"`.
 */
export function formatUnits(
  units: number | bigint,
  decimals: number,
  outDecimals = BINANCE_DECIMALS,
): string {
  if (units < 0) throw new RangeError('formatUnits expects a non-negative amount');
  if (typeof units === 'number' && !Number.isSafeInteger(units)) {
    throw new RangeError(`formatUnits expects a whole number of units, got ${units}`);
  }
  let text: string;
  let places = decimals;
  if (places > outDecimals) {
    const divisor = 10n ** BigInt(places - outDecimals);
    text = ((BigInt(units) + divisor / 2n) / divisor).toString();
    places = outDecimals;
  } else {
    text = units.toString();
  }
  const digits = text.padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).padEnd(outDecimals, '0');
  return outDecimals === 0 ? whole : `${whole}.${fraction}`;
}

/**
 * `format` memoized over the numbers it has seen, up to `max` of them (then it starts afresh).
 * A generated book prints the same ticks and sizes in every snapshot, so most calls are hits.
 */
export function cachedFormat(format: (n: number) => string, max = 65_536): (n: number) => string {
  let cache = new Map<number, string>();
  return (n) => {
    let text = cache.get(n);
    if (text === undefined) {
      text = format(n);
      if (cache.size >= max) cache = new Map();
      cache.set(n, text);
    }
    return text;
  };
}
