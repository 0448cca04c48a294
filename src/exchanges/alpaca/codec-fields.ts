/**
 * Field readers for the Alpaca stream codec: Alpaca sends prices and sizes as JSON numbers and
 * times as RFC3339 text with up to nine fraction digits (a MessagePack timestamp, decoded to a
 * `Date`, on msgpack sessions) [doc, wire.ts]. A field of the wrong shape throws a DecodeError
 * naming the field; messages are built only on failure.
 */
import { DecodeError } from '../../core/errors.js';

export type Fields = Record<string, unknown>;

export function asObject(v: unknown, field: string): Fields {
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date)) return v as Fields;
  throw new DecodeError(`alpaca: ${field} is not an object`);
}

export function str(v: unknown, field: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new DecodeError(`alpaca: field ${field} is not a non-empty string`);
}

/** A finite number >= 0 (prices, sizes, volumes). */
export function amount(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new DecodeError(`alpaca: field ${field} is not a number >= 0`);
}

export function integer(v: unknown, field: string): number {
  if (Number.isSafeInteger(v)) return v as number;
  throw new DecodeError(`alpaca: field ${field} is not an integer`);
}

export function strings(v: unknown, field: string): string[] {
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new DecodeError(`alpaca: field ${field} is not a list of strings`);
}

/** `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`: RFC3339 as Alpaca prints it, any fraction length. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** A time as ms since epoch, sub-millisecond digits dropped (the model's unit). */
export function time(v: unknown, field: string): number {
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isFinite(ms)) return ms;
  } else if (typeof v === 'string') {
    const m = RFC3339.exec(v);
    if (m !== null) {
      const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
      const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
      const zone = m[8] === 'Z' ? 0 : (m[8][0] === '-' ? -1 : 1) * (+m[8].slice(1, 3) * 60 + +m[8].slice(4));
      const at = utc - zone * 60_000;
      if (Number.isFinite(at) && +m[2] >= 1 && +m[2] <= 12 && +m[3] >= 1 && +m[3] <= 31) return at;
    }
  }
  throw new DecodeError(`alpaca: field ${field} is not an RFC3339 time`);
}

export function preview(raw: string): string {
  return raw.length <= 120 ? raw : `${raw.slice(0, 120)}…`;
}
