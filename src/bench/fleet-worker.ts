/**
 * WebSocket consumers for the scale-out bench, in a child process (driven by `fleet.ts`). Both
 * systems are read with the same `ws` client and the same per-frame work (find `"sentAt":` in
 * the frame's bytes, parse the number after it, record the latency), so the servers, not the
 * clients, are what differ:
 *
 * - `tickstream`: `GET /ws`, one SUBSCRIBE; ready when it is answered; data frames start `{"stream"`.
 * - `socketio`: Engine.IO v4 over WebSocket (`/socket.io/?EIO=4&transport=websocket`), the
 *   protocol socket.io-client speaks: `0{…}` open → send `40` (connect the main namespace) →
 *   `40{sid}` ready; pings `2` are answered `3`; events arrive as `42["message",{…}]`. The
 *   server puts every socket in the room on connection.
 */
import WebSocket from 'ws';
import { LatencyHistogram, type HistogramPairs } from './histogram.js';

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

const SENT_AT = '"sentAt":';

function report(r: FleetReport): void {
  process.send?.(r);
}

function run(job: FleetJob): void {
  const sockets: WebSocket[] = [];
  const latency = new LatencyHistogram();
  let ready = 0;
  let received = 0;
  let withData = 0;
  let closed = 0;
  let lastAt = 0;
  const progress = setInterval(() => report({ type: 'progress', received, withData, closed, lastAt }), 25);
  const isSocketIo = job.protocol === 'socketio';
  const url = isSocketIo
    ? `ws://127.0.0.1:${job.port}/socket.io/?EIO=4&transport=websocket`
    : `ws://127.0.0.1:${job.port}/ws`;
  const subscribe = JSON.stringify({ method: 'SUBSCRIBE', params: [job.stream], id: 1 });

  const markReady = (): void => {
    if (++ready === job.connections) report({ type: 'ready' });
  };

  for (let i = 0; i < job.connections; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    sockets.push(ws);
    let got = 0;
    let isReady = false;
    ws.on('open', () => {
      if (!isSocketIo) ws.send(subscribe);
    });
    ws.on('message', (raw: Buffer) => {
      // Data frames: only the stamp is read (no whole-frame decode), the same for both systems.
      const at = raw.indexOf(SENT_AT);
      if (at >= 0) {
        lastAt = performance.timeOrigin + performance.now();
        latency.record(lastAt - Number.parseFloat(raw.toString('latin1', at + SENT_AT.length, at + 40)));
        received++;
        if (got++ === 0) withData++;
        return;
      }
      const text = raw.toString();
      if (isReady) {
        if (text === '2') ws.send('3');
        return;
      }
      if (isSocketIo ? text.startsWith('0{') : false) ws.send('40');
      else if (isSocketIo ? text.startsWith('40') : text.includes('"result":null')) {
        isReady = true;
        markReady();
      } else if (!isSocketIo && text.includes('"error"')) {
        report({ type: 'error', message: `SUBSCRIBE refused: ${text}` });
      }
    });
    ws.on('close', () => closed++);
    ws.on('error', (err) => report({ type: 'error', message: `client ${i}: ${err.message}` }));
  }

  process.on('message', (cmd: FleetCommand) => {
    if (cmd.type === 'reset') {
      latency.reset();
      received = 0;
      report({ type: 'resetDone' });
    } else if (cmd.type === 'collect') {
      report({ type: 'collected', received, latency: latency.pairs() });
    } else if (cmd.type === 'stop') {
      clearInterval(progress);
      for (const s of sockets) s.terminate();
      setTimeout(() => process.exit(0), 20);
    }
  });
}

// The bench process is gone (crashed or killed): do not linger.
process.once('disconnect', () => process.exit(0));

process.once('message', (job: FleetCommand) => {
  if (job.type === 'start') run(job);
});
