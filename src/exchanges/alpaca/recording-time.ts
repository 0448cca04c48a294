/**
 * Alpaca's timestamps as its historical REST API writes them: RFC3339 in UTC with up to nine
 * fraction digits and trailing zeros left out, none at all on a whole second
 * (`2021-02-22T15:51:45.335689322Z`, `…:44.208Z`, `2021-02-22T19:15:00Z` [doc examples]; Go's
 * `time.RFC3339Nano` layout). An instant is kept as whole ms plus the ns below the ms, so that
 * shifting a time (`--loop`) keeps its sub-millisecond digits exactly.
 */

/** An instant: ms since epoch and the nanoseconds within that ms (0..999 999). */
export interface AlpacaInstant {
  readonly ms: number;
  readonly subMsNanos: number;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/** `ms` + `subMsNanos` as Alpaca writes it. */
export function formatAlpacaTime(ms: number, subMsNanos = 0): string {
  if (!Number.isSafeInteger(ms) || !Number.isInteger(subMsNanos) || subMsNanos < 0 || subMsNanos > 999_999) {
    throw new RangeError(`not an instant: ${ms} ms + ${subMsNanos} ns`);
  }
  const second = Math.floor(ms / 1000) * 1000;
  const whole = new Date(second).toISOString().slice(0, 19);
  const digits = (String(ms - second).padStart(3, '0') + String(subMsNanos).padStart(6, '0')).replace(
    /0+$/,
    '',
  );
  return digits.length === 0 ? `${whole}Z` : `${whole}.${digits}Z`;
}

/** The instant of an RFC3339 UTC text, or undefined when it is not one. */
export function parseAlpacaTime(text: unknown): AlpacaInstant | undefined {
  if (typeof text !== 'string') return undefined;
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const second = Date.parse(`${m[1]}Z`);
  if (!Number.isFinite(second)) return undefined;
  const fraction = (m[2] ?? '').padEnd(9, '0');
  return { ms: second + Number(fraction.slice(0, 3)), subMsNanos: Number(fraction.slice(3)) };
}

/** `text` moved by `shiftMs`, sub-ms digits kept; undefined when `text` is not a time. */
export function shiftAlpacaTime(text: string, shiftMs: number): string | undefined {
  const at = parseAlpacaTime(text);
  return at === undefined ? undefined : formatAlpacaTime(at.ms + shiftMs, at.subMsNanos);
}

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareInstants(a: AlpacaInstant, b: AlpacaInstant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.subMsNanos - b.subMsNanos;
}
