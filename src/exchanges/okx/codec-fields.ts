/**
 * Field readers for the OKX v5 codec: every value OKX sends as a decimal string [capture] is read
 * into a number here, and a field of the wrong shape throws a DecodeError naming it. Messages are
 * built only on failure, so the hot path pays for the checks alone.
 */
import type { WireLevel } from '../../book/book-rule.js';
import { DecodeError } from '../../core/errors.js';
import type { Level } from '../../core/types.js';

export type Fields = Record<string, unknown>;

export function asObject(v: unknown, field: string): Fields {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Fields;
  throw new DecodeError(`okx: field ${field} is not an object`);
}

export function array(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  throw new DecodeError(`okx: field ${field} is not an array`);
}

export function str(v: unknown, field: string): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new DecodeError(`okx: field ${field} is not a non-empty string`);
}

/** A decimal string (`"30236.5"`) as a finite number. */
export function decimal(v: unknown, field: string): number {
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw new DecodeError(`okx: field ${field} is not a decimal string`);
}

/** A time in ms since epoch, as text (`"1652459224818"`). */
export function msText(v: unknown, field: string): number {
  if (typeof v === 'string' && v.length > 0) {
    const n = Number(v);
    if (Number.isSafeInteger(n) && n >= 0) return n;
  }
  throw new DecodeError(`okx: field ${field} is not a time in ms as text`);
}

/** A JSON integer (`seqId`, `checksum`), undefined when the field is absent. */
export function optionalInt(v: unknown, field: string): number | undefined {
  if (v === undefined) return undefined;
  if (Number.isSafeInteger(v)) return v as number;
  throw new DecodeError(`okx: field ${field} is not an integer`);
}

/**
 * A side of `[price, size, liquidated, orders]` levels: the numbers into `out`, the wire text
 * (the level array itself, unchanged) into `wire`. Size "0" is a delete.
 */
export function levels(v: unknown, field: string, wire: WireLevel[]): Level[] {
  if (!Array.isArray(v)) throw new DecodeError(`okx: field ${field} is not an array`);
  const out = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const level: unknown = v[i];
    if (!Array.isArray(level) || level.length < 2) {
      throw new DecodeError(`okx: ${field}[${i}] is not a [price, size, …] level`);
    }
    const px: unknown = level[0];
    const sz: unknown = level[1];
    const price = typeof px === 'string' && px.length > 0 ? Number(px) : NaN;
    const size = typeof sz === 'string' && sz.length > 0 ? Number(sz) : NaN;
    if (!(price >= 0) || !(size >= 0) || price === Infinity || size === Infinity) {
      throw new DecodeError(`okx: ${field}[${i}] price or size is not a non-negative decimal string`);
    }
    out[i] = [price, size];
    wire.push(level as unknown as WireLevel);
  }
  return out;
}

export function preview(raw: string): string {
  return raw.length <= 120 ? raw : `${raw.slice(0, 120)}…`;
}
