/**
 * The cheap WebSocket client the fan-out benches' consumers are made of: a raw TCP connection
 * that does the handshake by hand, then reads frame headers only, counting text frames and
 * skipping their payloads unread, except the ones it was asked to keep (a sampled connection's
 * stamps, a protocol's short control messages). Pings are answered. The server under test, not
 * the clients, is then what a benchmark measures.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { frameHeaderLength, writeFrameHeader } from '../net/ws-frame.js';

const OP_TEXT = 0x1;
const OP_PING = 0x9;
const OP_PONG = 0xa;
const SENT_AT = Buffer.from('"sentAt":');

/** A client frame (FIN set), masked as RFC 6455 requires of clients. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const out = Buffer.allocUnsafe(frameHeaderLength(n) + 4 + n);
  // The server frame header with this opcode and the mask bit set.
  const head = writeFrameHeader(out, 0, n);
  out[0] = 0x80 | opcode;
  out[1] |= 0x80;
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

export function maskedText(text: string): Buffer {
  return maskedFrame(OP_TEXT, Buffer.from(text));
}

/** What a {@link FrameReader} hands on: kept text payloads and pings. */
export interface FrameSink {
  /** A whole text payload the reader was set to keep (see {@link FrameReader.keepUpTo}). */
  onText(payload: Buffer): void;
  onPing(payload: Buffer): void;
}

/**
 * Reads a server's frame stream: counts text frames at least `countFrom` bytes long from the
 * header alone; keeps a text payload of at most `keepUpTo` bytes and hands it to the sink whole.
 * Ping payloads are always kept (they are answered).
 */
export class FrameReader {
  /** Text frames of at least `countFrom` bytes so far. */
  frames = 0;
  /** Text payloads up to this size are kept and handed on (`Infinity`: all, `-1`: none). */
  keepUpTo: number;
  private skip = 0;
  private readonly header = Buffer.alloc(14);
  private headerLength = 0;
  private opcode = 0;
  private keeping = false;
  private payload: Buffer[] = [];

  constructor(
    private readonly sink: FrameSink,
    keepUpTo: number,
    private readonly countFrom = 0,
  ) {
    this.keepUpTo = keepUpTo;
  }

  push(chunk: Buffer, from: number): void {
    let i = from;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        if (this.keeping) this.payload.push(chunk.subarray(i, i + take));
        this.skip -= take;
        i += take;
        if (this.skip === 0 && this.keeping) this.hand();
        continue;
      }
      const h = this.header;
      h[this.headerLength++] = chunk[i++];
      if (this.headerLength < 2) continue;
      const len7 = h[1] & 0x7f;
      const need = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      if (this.headerLength < need) continue;
      const length =
        len7 < 126
          ? len7
          : len7 === 126
            ? h.readUInt16BE(2)
            : h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
      this.headerLength = 0;
      this.skip = length;
      this.opcode = h[0] & 0x0f;
      const text = this.opcode === OP_TEXT;
      if (text && length >= this.countFrom) this.frames++;
      this.keeping = (text && length <= this.keepUpTo) || this.opcode === OP_PING;
      if (this.keeping && length === 0) this.hand();
    }
  }

  private hand(): void {
    this.keeping = false;
    const body = this.payload.length === 1 ? this.payload[0] : Buffer.concat(this.payload);
    this.payload = [];
    if (this.opcode === OP_PING) this.sink.onPing(body);
    else this.sink.onText(body);
  }
}

/** Where a raw connection goes and what it does once open. */
export interface RawWsTarget {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  /** Source address (`127.0.0.x`), so several workers stay inside one port range each. */
  readonly localAddress?: string;
}

/**
 * One raw WebSocket connection: the upgrade by hand, then every byte after the 101 to the reader
 * `readerFor` made for this socket. `open` runs once upgraded; `data` after each later chunk the
 * reader took (a cheap hook for a delivery clock).
 */
export function openRawWs(
  target: RawWsTarget,
  readerFor: (socket: Socket) => FrameReader,
  on: { open: (socket: Socket) => void; data?: (chunk: Buffer) => void; error: (message: string) => void },
): { socket: Socket; reader: FrameReader } {
  const socket = connect({ port: target.port, host: target.host, localAddress: target.localAddress });
  const reader = readerFor(socket);
  socket.setNoDelay(true);
  let handshaking = true;
  let head = Buffer.alloc(0);
  socket.on('connect', () => {
    socket.write(
      `GET ${target.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
        'Sec-WebSocket-Version: 13\r\n\r\n',
    );
  });
  socket.on('data', (chunk: Buffer) => {
    if (!handshaking) {
      reader.push(chunk, 0);
      on.data?.(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    if (!head.subarray(0, 12).toString().includes(' 101')) {
      on.error(`handshake refused: ${head.subarray(0, end).toString()}`);
      return;
    }
    handshaking = false;
    on.open(socket);
    if (head.length > end + 4) reader.push(head, end + 4);
  });
  socket.on('error', (err) => on.error(err.message));
  return { socket, reader };
}

/** Answers a ping on `socket` (for a {@link FrameSink}'s `onPing`). */
export function pong(socket: Socket, payload: Buffer): void {
  if (!socket.destroyed) socket.write(maskedFrame(OP_PONG, payload));
}

/** Age (ms, wall clock) of the `"sentAt":<ms>` stamp a publisher put in `payload`; NaN without one. */
export function stampAge(payload: Buffer): number {
  const at = payload.indexOf(SENT_AT);
  if (at < 0) return NaN;
  const from = at + SENT_AT.length;
  const sentAt = Number.parseFloat(payload.toString('latin1', from, Math.min(payload.length, from + 24)));
  return performance.timeOrigin + performance.now() - sentAt;
}
