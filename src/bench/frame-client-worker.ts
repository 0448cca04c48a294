/**
 * Cheap benchmark consumers (`raw-ws.ts`): raw connections that read frame headers only,
 * counting text frames and skipping payloads unread, except on sampled connections, which read
 * each payload's publish stamp. The server under test, not the clients, is then what a fan-out
 * benchmark measures. Runs in a child process driven over IPC by `frame-clients.ts`.
 */
import type { Socket } from 'node:net';
import { LatencyHistogram, type HistogramPairs } from './histogram.js';
import { FrameReader, maskedText, openRawWs, pong, stampAge, type FrameSink } from './raw-ws.js';

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

function report(r: FrameClientReport): void {
  process.send?.(r);
}

/** A sampled connection's kept payloads: each one's `"sentAt":` stamp, aged into the histogram. */
function latencySink(latency: LatencyHistogram, socket: Socket): FrameSink {
  return {
    onText(body) {
      const age = stampAge(body);
      if (!Number.isNaN(age)) latency.record(age);
    },
    onPing(payload) {
      pong(socket, payload);
    },
  };
}

function run(job: FrameClientJob): void {
  let open = 0;
  let bytes = 0;
  let firstAt = 0;
  let lastAt = 0;
  const readers: FrameReader[] = [];
  const sockets: Socket[] = [];
  const total = (): number => readers.reduce((s, c) => s + c.frames, 0);
  const progress = setInterval(
    () => report({ type: 'progress', frames: total(), bytes, firstAt, lastAt }),
    25,
  );
  const latency = new LatencyHistogram();
  let samples = 0;
  const sampled: FrameReader[] = [];
  const target = { host: job.host, port: job.port, path: job.path, localAddress: job.localAddress };
  for (let i = 0; i < job.connections; i++) {
    const isSampled = job.sampleEvery !== undefined && i % job.sampleEvery === 0;
    const subscribe =
      job.subscribeEach !== undefined
        ? job.subscribeEach[i % job.subscribeEach.length]
        : (job.subscribe ?? []);
    const { socket, reader } = openRawWs(
      target,
      (s) => new FrameReader(latencySink(latency, s), isSampled ? Infinity : -1),
      {
        open: (s) => {
          for (const text of typeof subscribe === 'string' ? [subscribe] : subscribe)
            s.write(maskedText(text));
          if (++open === job.connections) report({ type: 'ready' });
        },
        data: (chunk) => {
          bytes += chunk.length;
          const now = performance.timeOrigin + performance.now();
          if (firstAt === 0) firstAt = now;
          lastAt = now;
        },
        error: (message) => report({ type: 'error', message }),
      },
    );
    if (isSampled) sampled.push(reader);
    readers.push(reader);
    sockets.push(socket);
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
