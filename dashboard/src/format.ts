/**
 * Number and time formatting for the dashboard. Prices show the decimals their symbol trades in
 * (learned from the data: the most decimals any price of the symbol has carried), so a column
 * of prices lines up and 64,000.10 never shows as 64,000.1.
 */

const MAX_DECIMALS = 8;
const priceDecimals = new Map<string, number>();
const amountDecimals = new Map<string, number>();

function decimalsIn(n: number): number {
  if (!Number.isFinite(n) || Number.isInteger(n)) return 0;
  const s = String(n);
  const e = s.indexOf('e-');
  if (e !== -1) return MAX_DECIMALS;
  const dot = s.indexOf('.');
  return dot === -1 ? 0 : Math.min(MAX_DECIMALS, s.length - dot - 1);
}

/** A fallback while a symbol's own precision is unknown: by magnitude. */
function decimalsByMagnitude(price: number): number {
  const a = Math.abs(price);
  if (a >= 1000) return 2;
  if (a >= 1) return 4;
  return 6;
}

function note(map: Map<string, number>, symbol: string, value: number): void {
  const d = decimalsIn(value);
  if (d > (map.get(symbol) ?? -1)) map.set(symbol, d);
}

/** Record a symbol's price (and amount) so its precision is known. */
export function notePrecision(symbol: string, price: number, amount?: number): void {
  note(priceDecimals, symbol, price);
  if (amount !== undefined) note(amountDecimals, symbol, amount);
}

export function decimalsOf(symbol: string, price: number): number {
  const seen = priceDecimals.get(symbol);
  // Two decimals at least once prices carry any: 231.5 is shown 231.50, as traders read it.
  return seen === undefined ? decimalsByMagnitude(price) : seen === 0 ? 0 : Math.max(2, seen);
}

const formatters = new Map<number, Intl.NumberFormat>();
function fixed(decimals: number): Intl.NumberFormat {
  let f = formatters.get(decimals);
  if (f === undefined) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
    formatters.set(decimals, f);
  }
  return f;
}

export function formatPrice(symbol: string, price: number | undefined): string {
  if (price === undefined || !Number.isFinite(price)) return '—';
  return fixed(decimalsOf(symbol, price)).format(price);
}

export function formatAmount(symbol: string, amount: number): string {
  if (!Number.isFinite(amount)) return '—';
  return fixed(amountDecimals.get(symbol) ?? Math.min(MAX_DECIMALS, decimalsIn(amount))).format(amount);
}

/** A difference in the symbol's own decimals (the spread: 0.01, not 0.010000). */
export function formatDelta(symbol: string, delta: number, reference: number): string {
  return fixed(decimalsOf(symbol, reference)).format(delta);
}

export function formatPct(pct: number | undefined): string {
  if (pct === undefined || !Number.isFinite(pct)) return '—';
  return `${pct > 0 ? '+' : pct < 0 ? '−' : ''}${Math.abs(pct).toFixed(2)}%`;
}

export function formatCount(n: number): string {
  return fixed(0).format(n);
}

const utcTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
const utcDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'UTC',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});
const localTime = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** `14:31:05` UTC: exchange timestamps (replay time behind a hub). */
export function formatUtcTime(ms: number): string {
  return utcTime.format(ms);
}

/** `2026-01-05 14:31:05 UTC`. */
export function formatUtc(ms: number): string {
  return `${utcDate.format(ms)} ${utcTime.format(ms)} UTC`;
}

/** The browser's own clock, local time. */
export function formatLocalTime(ms: number): string {
  return localTime.format(ms);
}

/** `3 s ago`, `2 min ago`. */
export function formatAgo(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}
