/**
 * WebSocket consumers for the scale-out bench, in a child process (driven by `fleet.ts`): raw
 * connections that read frame headers only (see `raw-ws.ts`), the same for both systems, so the
 * servers, not the clients, are what differ. Every delivery is counted from its header; every
 * `SAMPLE_EVERY`-th connection also reads its payloads for `"sentAt":` and records the latency.
 *
 * - `tickstream`: `GET /ws`, one SUBSCRIBE; ready when it is answered; data frames start `{"stream"`.
 * - `socketio`: Engine.IO v4 over WebSocket (`/socket.io/?EIO=4&transport=websocket`), the
 *   protocol socket.io-client speaks: `0{…}` open → send `40` (connect the main namespace) →
 *   `40{sid}` ready; pings `2` are answered `3`; events arrive as `42["message",{…}]`. The
 *   server puts every socket in the room on connection.
 */
import type { Socket } from 'node:net';
import { LatencyHistogram, type HistogramPairs } from './histogram.js';
import {
  FrameReader,
  maskedText,
  openRawWs,
  pong,
  stampAge,
  type FrameSink,
  type RawWsTarget,
} from './raw-ws.js';

export type FleetProtocol = 'tickstream' | 'socketio';

export interface FleetJob {
  readonly type: 'start';
  readonly protocol: FleetProtocol;
  readonly port: number;
  readonly connections: number;
  /** Tickstream: the stream to SUBSCRIBE. */
  readonly stream: string;
}

export type FleetCommand = FleetJob | { type: 'reset' } | { type: 'collect' } | { type: 'stop' };

export type FleetReport =
  | { type: 'ready' }
  /** `lastAt`: wall time (ms) of the latest delivery. */
  | { type: 'progress'; received: number; withData: number; closed: number; lastAt: number }
  | { type: 'resetDone' }
  | { type: 'collected'; received: number; latency: HistogramPairs }
  | { type: 'error'; message: string };

/** One connection in this many reads its payloads for the latency. */
export const SAMPLE_EVERY = 20;
/** A data frame is at least this long; the protocols' control messages are shorter once ready. */
const DATA_MIN_BYTES = 32;
/** Engine.IO's ping, `2`, answered `3`. */
const EIO_PING = 0x32;
const EIO_PONG = maskedText('3');
const EIO_CONNECT = maskedText('40');

function report(r: FleetReport): void {
  process.send?.(r);
}

/** What every connection of the fleet shares: its counts and the latency histogram. */
interface FleetState {
  readonly job: FleetJob;
  readonly latency: LatencyHistogram;
  ready: number;
  withData: number;
  lastAt: number;
}

/** One consumer: reads the protocol's handshake, then counts deliveries from frame headers. */
class FleetConnection implements FrameSink {
  readonly socket: Socket;
  readonly reader: FrameReader;
  private isReady = false;
  private counted = 0;

  constructor(
    private readonly state: FleetState,
    target: RawWsTarget,
    private readonly sampled: boolean,
    subscribe: Buffer | undefined,
    index: number,
  ) {
    const opened = openRawWs(target, () => new FrameReader(this, Infinity, DATA_MIN_BYTES), {
      open: (s) => {
        if (subscribe !== undefined) s.write(subscribe);
      },
      data: () => this.onData(),
      error: (message) => report({ type: 'error', message: `client ${index}: ${message}` }),
    });
    this.socket = opened.socket;
    this.reader = opened.reader;
  }

  onText(payload: Buffer): void {
    if (this.isReady) {
      if (payload.length === 1 && payload[0] === EIO_PING) this.socket.write(EIO_PONG);
      else if (this.sampled) {
        const age = stampAge(payload);
        if (!Number.isNaN(age)) this.state.latency.record(age);
      }
      return;
    }
    const text = payload.toString();
    const socketIo = this.state.job.protocol === 'socketio';
    if (socketIo && text.startsWith('0{')) this.socket.write(EIO_CONNECT);
    else if (socketIo ? text.startsWith('40') : text.includes('"result":null')) this.becomeReady();
    else if (!socketIo && text.includes('"error"'))
      report({ type: 'error', message: `SUBSCRIBE refused: ${text}` });
  }

  onPing(payload: Buffer): void {
    pong(this.socket, payload);
  }

  private becomeReady(): void {
    this.isReady = true;
    // What the handshake counted is not a delivery; short control frames stay readable.
    this.reader.frames = 0;
    this.reader.keepUpTo = this.sampled ? Infinity : 1;
    if (++this.state.ready === this.state.job.connections) report({ type: 'ready' });
  }

  private onData(): void {
    const frames = this.reader.frames;
    if (!this.isReady || frames === this.counted) return;
    if (this.counted === 0) this.state.withData++;
    this.counted = frames;
    this.state.lastAt = performance.timeOrigin + performance.now();
  }
}

function run(job: FleetJob): void {
  const state: FleetState = { job, latency: new LatencyHistogram(), ready: 0, withData: 0, lastAt: 0 };
  const socketIo = job.protocol === 'socketio';
  const target: RawWsTarget = {
    host: '127.0.0.1',
    port: job.port,
    path: socketIo ? '/socket.io/?EIO=4&transport=websocket' : '/ws',
  };
  const subscribe = socketIo
    ? undefined
    : maskedText(JSON.stringify({ method: 'SUBSCRIBE', params: [job.stream], id: 1 }));
  let closed = 0;
  const connections: FleetConnection[] = [];
  for (let i = 0; i < job.connections; i++) {
    const c = new FleetConnection(state, target, i % SAMPLE_EVERY === 0, subscribe, i);
    c.socket.on('close', () => closed++);
    connections.push(c);
  }
  /** Deliveries counted before the last reset. */
  let before = 0;
  const delivered = (): number => connections.reduce((n, c) => n + c.reader.frames, 0);
  const progress = setInterval(
    () =>
      report({
        type: 'progress',
        received: delivered() - before,
        withData: state.withData,
        closed,
        lastAt: state.lastAt,
      }),
    25,
  );

  process.on('message', (cmd: FleetCommand) => {
    if (cmd.type === 'reset') {
      state.latency.reset();
      before = delivered();
      report({ type: 'resetDone' });
    } else if (cmd.type === 'collect') {
      report({ type: 'collected', received: delivered() - before, latency: state.latency.pairs() });
    } else if (cmd.type === 'stop') {
      clearInterval(progress);
      for (const c of connections) c.socket.destroy();
      setTimeout(() => process.exit(0), 20);
    }
  });
}

// The bench process is gone (crashed or killed): do not linger.
process.once('disconnect', () => process.exit(0));

process.once('message', (job: FleetCommand) => {
  if (job.type === 'start') run(job);
});
