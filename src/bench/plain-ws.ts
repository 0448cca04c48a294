/**
 * The replay benches' baseline: a plain `ws` server pushing frames of one size to one
 * frame-counting consumer (`ws.send` per frame, as fast as its socket drains).
 */
import { once } from 'node:events';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { FrameClients } from './frame-clients.js';
import { closePlainWs, listenPlainWs } from './setup.js';

/** Until the received count has not moved for `quietMs` (the replay is over and drained). */
export async function waitUntilStable(clients: FrameClients, quietMs: number): Promise<void> {
  let last = -1;
  while (clients.frames !== last) {
    last = clients.frames;
    await sleep(quietMs);
  }
}

/** Frames/s of plain `ws` pushing `frames` frames of `avgBytes` to one consumer. */
export async function measurePlainWs(frames: number, avgBytes: number): Promise<number> {
  const { wss, port } = await listenPlainWs();
  const payload = `{"stream":"x","data":"${'x'.repeat(Math.max(avgBytes - 24, 1))}"}`;
  const connected = once(wss, 'connection') as Promise<[WebSocket]>;
  const clients = new FrameClients({ host: '127.0.0.1', port, path: '/', connections: 1 });
  try {
    const [ws] = await connected;
    await clients.ready;
    const started = performance.timeOrigin + performance.now();
    for (let i = 0; i < frames; i++) {
      ws.send(payload);
      if (ws.bufferedAmount > 4 * 1024 * 1024) {
        while (ws.bufferedAmount > 1024 * 1024) await sleep(1);
      } else if (i % 256 === 255) await yieldToLoop();
    }
    await clients.until(frames, 120_000);
    return frames / ((clients.progress.lastAt - started) / 1000);
  } finally {
    await clients.stop();
    await closePlainWs(wss);
  }
}
