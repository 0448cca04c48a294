/**
 * Cheap benchmark consumers: raw TCP connections that do the WebSocket handshake by hand and
 * then only read frame headers, counting text frames and skipping payloads unread. The server
 * under test, not the clients, is then what a fan-out benchmark measures. Runs in a child
 * process driven over IPC by `frame-clients.ts`.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { LatencyHistogram, type HistogramPairs } from './histogram.js';

export interface FrameClientJob {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  /** Source address of the connections (`127.0.0.x`), so several workers stay inside one port range each. */
  readonly localAddress?: string;
  /** Sent as masked text frames once the handshake completes (SUBSCRIBE messages). */
  readonly subscribe?: string | readonly string[];
  /** Per connection instead: connection `i` sends `subscribeEach[i % length]`. */
  readonly subscribeEach?: readonly string[];
  /**
   * Every `sampleEvery`-th connection also reads its frames' payloads for `"sentAt":<ms>` and
   * records publish → receipt latency; the others stay header-only. Unset: none does.
   */
  readonly sampleEvery?: number;
}

export type FrameClientCommand = { type: 'stop' } | { type: 'resetLatency' } | { type: 'collectLatency' };

export type FrameClientReport =
  | { type: 'ready' }
  | { type: 'progress'; frames: number; bytes: number; firstAt: number; lastAt: number }
  | { type: 'latency'; samples: number; pairs: HistogramPairs }
  | { type: 'latencyReset' }
  | { type: 'error'; message: string };

const SENT_AT = Buffer.from('"sentAt":');

function report(r: FrameClientReport): void {
  process.send?.(r);
}

/** A client frame: FIN + text, masked as RFC 6455 requires of clients. */
function maskedText(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x81;
  if (n < 126) out[1] = 0x80 | n;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

/**
 * Counts text frames in a byte stream, reading only headers; with a histogram, it also reads each
 * text payload for its `"sentAt":` stamp and records its age.
 */
class FrameCounter {
  frames = 0;
  private skip = 0;
  private readonly header = Buffer.alloc(14);
  private headerLength = 0;
  /** Whether the current payload is kept (a text frame on a sampled connection). */
  private keeping = false;
  private payload: Buffer[] = [];

  constructor(private readonly latency?: LatencyHistogram) {}

  push(chunk: Buffer, from: number): void {
    let i = from;
    const n = chunk.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        if (this.keeping) this.payload.push(chunk.subarray(i, i + take));
        this.skip -= take;
        i += take;
        if (this.skip === 0 && this.keeping) this.sample();
        continue;
      }
      const h = this.header;
      h[this.headerLength++] = chunk[i++];
      if (this.headerLength < 2) continue;
      const len7 = h[1] & 0x7f;
      const need = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      if (this.headerLength < need) continue;
      this.skip =
        len7 < 126
          ? len7
          : len7 === 126
            ? h.readUInt16BE(2)
            : h.readUInt32BE(2) * 2 ** 32 + h.readUInt32BE(6);
      const text = (h[0] & 0x0f) === 1;
      if (text) this.frames++;
      this.headerLength = 0;
      this.keeping = text && this.latency !== undefined && this.skip > 0;
    }
  }

  private sample(): void {
    this.keeping = false;
    const body = this.payload.length === 1 ? this.payload[0] : Buffer.concat(this.payload);
    this.payload = [];
    const at = body.indexOf(SENT_AT);
    if (at < 0) return;
    const from = at + SENT_AT.length;
    const sentAt = Number.parseFloat(body.toString('latin1', from, Math.min(body.length, from + 24)));
    this.latency?.record(performance.timeOrigin + performance.now() - sentAt);
  }
}

function run(job: FrameClientJob): void {
  let open = 0;
  let bytes = 0;
  let firstAt = 0;
  let lastAt = 0;
  const counters: FrameCounter[] = [];
  const sockets: Socket[] = [];
  const total = (): number => counters.reduce((s, c) => s + c.frames, 0);
  const progress = setInterval(
    () => report({ type: 'progress', frames: total(), bytes, firstAt, lastAt }),
    25,
  );
  const latency = new LatencyHistogram();
  let samples = 0;
  const sampled: FrameCounter[] = [];
  for (let i = 0; i < job.connections; i++) {
    const isSampled = job.sampleEvery !== undefined && i % job.sampleEvery === 0;
    const counter = new FrameCounter(isSampled ? latency : undefined);
    if (isSampled) sampled.push(counter);
    counters.push(counter);
    const socket = connect({ port: job.port, host: job.host, localAddress: job.localAddress });
    sockets.push(socket);
    socket.setNoDelay(true);
    let handshaking = true;
    let head = Buffer.alloc(0);
    socket.on('connect', () => {
      socket.write(
        `GET ${job.path} HTTP/1.1\r\nHost: ${job.host}:${job.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const now = performance.timeOrigin + performance.now();
      bytes += chunk.length;
      if (!handshaking) {
        if (firstAt === 0) firstAt = now;
        lastAt = now;
        counter.push(chunk, 0);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().includes(' 101')) {
        report({ type: 'error', message: `handshake refused: ${head.subarray(0, end).toString()}` });
        return;
      }
      handshaking = false;
      const subscribe =
        job.subscribeEach !== undefined
          ? job.subscribeEach[i % job.subscribeEach.length]
          : (job.subscribe ?? []);
      for (const text of typeof subscribe === 'string' ? [subscribe] : subscribe)
        socket.write(maskedText(text));
      if (++open === job.connections) report({ type: 'ready' });
      if (head.length > end + 4) counter.push(head, end + 4);
    });
    socket.on('error', (err) => report({ type: 'error', message: err.message }));
  }
  process.on('message', (msg: FrameClientCommand) => {
    if (msg.type === 'resetLatency') {
      latency.reset();
      samples = sampled.reduce((n, c) => n + c.frames, 0);
      report({ type: 'latencyReset' });
      return;
    }
    if (msg.type === 'collectLatency') {
      report({
        type: 'latency',
        samples: sampled.reduce((n, c) => n + c.frames, 0) - samples,
        pairs: latency.pairs(),
      });
      return;
    }
    if (msg.type !== 'stop') return;
    clearInterval(progress);
    report({ type: 'progress', frames: total(), bytes, firstAt, lastAt });
    for (const s of sockets) s.destroy();
    setTimeout(() => process.exit(0), 20);
  });
}

process.once('message', (job: FrameClientJob) => run(job));
