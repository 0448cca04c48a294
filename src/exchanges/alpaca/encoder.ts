/**
 * Alpaca stream messages → wire bytes, pure. Every stream frame is an array of messages [doc];
 * a JSON session gets it as text, a MessagePack session (upgrade header `Content-Type:
 * application/msgpack`) as a binary MessagePack array whose timestamps are the MessagePack
 * timestamp extension (type -1) with the nanoseconds of the RFC3339 text [doc, SDK 4.0.2
 * verified]. The fan-out queues single messages ({@link encodeMessage}) and joins one flush's
 * messages of a channel into one frame ({@link frameJoiner}); replies are whole frames
 * ({@link encodeFrame}). Client frames are read back with {@link decodeClientFrame}.
 *
 * Which fields are timestamps: `t` of the data messages (t, q, b, u, d, s) [doc].
 */
import {
  ExtensionCodec,
  decode,
  decodeTimestampExtension,
  encode,
  encodeTimeSpecToTimestamp,
} from '@msgpack/msgpack';
import type { PayloadJoiner } from '../../net/channel-fanout.js';
import type { AlpacaMessage } from './wire.js';

/** The two wire encodings of a session. */
export type AlpacaEncoding = 'json' | 'msgpack';

/** Whole seconds since the epoch and the nanoseconds past them (the timestamp extension's fields). */
export interface TimeSpec {
  readonly sec: number;
  readonly nsec: number;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/** Seconds and nanoseconds of RFC3339 text (`2021-02-22T15:51:45.335689322Z`); undefined when it is not one. */
export function parseRfc3339(text: string): TimeSpec | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(ms)) return undefined;
  return { sec: ms / 1000, nsec: m[2] === undefined ? 0 : Number(m[2].padEnd(9, '0')) };
}

/** Milliseconds since the epoch of RFC3339 text (sub-millisecond digits dropped); NaN when it is not one. */
export function rfc3339Millis(text: string): number {
  const t = parseRfc3339(text);
  return t === undefined ? NaN : t.sec * 1000 + Math.floor(t.nsec / 1e6);
}

/** RFC3339 UTC text of a time spec, fraction digits only as many as needed (none for whole seconds). */
export function formatTimeSpec({ sec, nsec }: TimeSpec): string {
  const base = new Date(sec * 1000).toISOString().slice(0, 19);
  if (nsec === 0) return `${base}Z`;
  return `${base}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** A timestamp the MessagePack encoder writes as extension -1. */
class WireTime {
  constructor(readonly spec: TimeSpec) {}
}

const codec = new ExtensionCodec();
codec.register({
  type: -1,
  encode: (value: unknown) => (value instanceof WireTime ? encodeTimeSpecToTimestamp(value.spec) : null),
  decode: (data: Uint8Array) => decodeTimestampExtension(data),
});

/** `m` with its `t` text as a MessagePack timestamp (text that is not RFC3339 stays text). */
function withWireTime(m: AlpacaMessage): unknown {
  if (!('t' in m) || typeof m.t !== 'string') return m;
  const spec = parseRfc3339(m.t);
  return spec === undefined ? m : { ...m, t: new WireTime(spec) };
}

function packed(value: unknown): Buffer {
  const bytes = encode(value, { extensionCodec: codec, ignoreUndefined: true });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** One message, as the fan-out queues it (a joiner makes the frame's array). */
export function encodeMessage(m: AlpacaMessage, encoding: AlpacaEncoding): Buffer {
  return encoding === 'json' ? Buffer.from(JSON.stringify(m)) : packed(withWireTime(m));
}

/** A whole frame: text (JSON) or bytes (MessagePack) of the array of `messages`. */
export function encodeFrame(messages: readonly AlpacaMessage[], encoding: AlpacaEncoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(messages) : packed(messages.map(withWireTime));
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/** MessagePack array header for `n` items (fixarray, array 16, array 32). */
function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  if (n < 65_536) return Buffer.from([0xdc, n >> 8, n & 0xff]);
  const b = Buffer.allocUnsafe(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

const JSON_JOINER: PayloadJoiner = {
  binary: false,
  join(payloads) {
    const parts: Buffer[] = [OPEN];
    for (let i = 0; i < payloads.length; i++) {
      if (i > 0) parts.push(COMMA);
      parts.push(payloads[i]);
    }
    parts.push(CLOSE);
    return Buffer.concat(parts);
  },
};

const MSGPACK_JOINER: PayloadJoiner = {
  binary: true,
  join: (payloads) => Buffer.concat([arrayHeader(payloads.length), ...payloads]),
};

/** Joins a flush's messages of a channel into the one array frame Alpaca sends. */
export function frameJoiner(encoding: AlpacaEncoding): PayloadJoiner {
  return encoding === 'json' ? JSON_JOINER : MSGPACK_JOINER;
}

/**
 * A client frame as a value: a binary frame is MessagePack, a text frame JSON. Undefined when it
 * cannot be read (the caller answers 400). MessagePack timestamps decode as Dates.
 */
export function decodeClientFrame(data: Buffer, isBinary: boolean): unknown {
  try {
    return isBinary
      ? decode(data, { extensionCodec: codec })
      : (JSON.parse(data.toString('utf8')) as unknown);
  } catch {
    return undefined;
  }
}
