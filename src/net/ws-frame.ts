/**
 * Server-to-client WebSocket data frames (RFC 6455 §5.2: FIN set, opcode 1 text or 2 binary,
 * unmasked), written straight into a shared buffer so a whole batch of messages is framed once
 * for every reader.
 */

const FIN_TEXT = 0x81;
const FIN_BINARY = 0x82;

/** Bytes of the frame header for a payload of `length` bytes. */
export function frameHeaderLength(length: number): number {
  if (length < 126) return 2;
  if (length < 65_536) return 4;
  return 10;
}

/** Write the header for a `length`-byte text (or binary) payload at `offset`; returns the offset after it. */
export function writeFrameHeader(target: Buffer, offset: number, length: number, binary = false): number {
  target[offset] = binary ? FIN_BINARY : FIN_TEXT;
  if (length < 126) {
    target[offset + 1] = length;
    return offset + 2;
  }
  if (length < 65_536) {
    target[offset + 1] = 126;
    target.writeUInt16BE(length, offset + 2);
    return offset + 4;
  }
  target[offset + 1] = 127;
  // Payloads here are far below 2^53; the high word is written for the full 64-bit field.
  target.writeUInt32BE(Math.floor(length / 0x1_0000_0000), offset + 2);
  target.writeUInt32BE(length >>> 0, offset + 6);
  return offset + 10;
}

/** An envelope around each payload (`{"stream":"x","data":` … `}`), or none. */
export interface Envelope {
  readonly prefix: Buffer;
  readonly suffix: Buffer;
}

/**
 * Frame `payloads` (in order) into one buffer, each wrapped in `envelope` when given: one
 * allocation and one copy per payload, however many sockets the result is written to. Text
 * frames unless `binary`.
 */
export function frameBatch(payloads: readonly Buffer[], envelope: Envelope | null, binary = false): Buffer {
  const extra = envelope === null ? 0 : envelope.prefix.length + envelope.suffix.length;
  let total = 0;
  for (let i = 0; i < payloads.length; i++) {
    const n = payloads[i].length + extra;
    total += frameHeaderLength(n) + n;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  // `set` rather than `Buffer#copy`: no argument checks per payload, on the fan-out's hot path.
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i];
    at = writeFrameHeader(out, at, p.length + extra, binary);
    if (envelope !== null) {
      out.set(envelope.prefix, at);
      at += envelope.prefix.length;
    }
    out.set(p, at);
    at += p.length;
    if (envelope !== null) {
      out.set(envelope.suffix, at);
      at += envelope.suffix.length;
    }
  }
  return out;
}

/** The `{"stream":<name>,"data":…}` envelope used by Binance combined streams and the gateway. */
export function streamEnvelope(name: string): Envelope {
  return { prefix: Buffer.from(`{"stream":${JSON.stringify(name)},"data":`), suffix: STREAM_SUFFIX };
}

const STREAM_SUFFIX = Buffer.from('}');
