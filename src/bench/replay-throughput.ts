import { once } from 'node:events';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import { BinanceReplaySource } from '../exchanges/binance/replay-source.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { BenchClients } from './clients.js';
import { figure, type BenchFigure } from './report.js';
import { closePlainWs, listenPlainWs, startBenchHub, withDataset } from './setup.js';

export interface ReplayBenchOptions {
  minutes: number;
  logger: Logger;
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const STREAMS = SYMBOLS.flatMap((s) => {
  const l = s.toLowerCase();
  return [`${l}@trade`, `${l}@depth@100ms`, `${l}@bookTicker`];
});

async function waitUntilStable(clients: BenchClients, quietMs: number): Promise<void> {
  let last = -1;
  while (clients.received() !== last) {
    last = clients.received();
    await sleep(quietMs);
  }
}

async function measureHub(
  root: string,
  logger: Logger,
): Promise<{ rate: number; frames: number; bytes: number }> {
  const { hub, port } = await startBenchHub(logger, SYMBOLS);
  const clients = new BenchClients({
    url: `ws://127.0.0.1:${port}/binance/stream?streams=${STREAMS.join('/')}`,
    connections: 1,
    dataPrefix: '{"stream"',
    expectPerConnection: 0,
  });
  await clients.ready;
  const source = await BinanceReplaySource.open(root, logger);
  await new ReplayPublisher({ source, speed: 'max', loop: false, logger }).run(hub);
  await waitUntilStable(clients, 500);
  const report = await clients.stop();
  await hub.close();
  return {
    rate: report.received / (Math.max(report.lastAt - report.firstAt, 1) / 1000),
    frames: report.received,
    bytes: report.bytes,
  };
}

/** Plain ws pushing the same number of frames of the same average size, as fast as the consumer takes them. */
async function measureBaseline(frames: number, avgBytes: number): Promise<number> {
  const { wss, port } = await listenPlainWs();
  const payload = `{"stream":"btcusdt@trade","data":"${'x'.repeat(Math.max(avgBytes - 38, 1))}"}`;
  const connected = once(wss, 'connection');
  const clients = new BenchClients({
    url: `ws://127.0.0.1:${port}`,
    connections: 1,
    dataPrefix: '{"stream"',
    expectPerConnection: frames,
  });
  const [ws] = (await connected) as [import('ws').WebSocket];
  await clients.ready;
  for (let i = 0; i < frames; i++) {
    ws.send(payload);
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      while (ws.bufferedAmount > 1024 * 1024) await sleep(1);
    } else if (i % 256 === 255) await yieldToLoop();
  }
  const report = await clients.done;
  await closePlainWs(wss);
  return report.received / (Math.max(report.lastAt - report.firstAt, 1) / 1000);
}

export async function benchReplay(opts: ReplayBenchOptions): Promise<BenchFigure> {
  return withDataset('bench', opts.minutes, SYMBOLS, async (root) => {
    const hub = await measureHub(root, opts.logger);
    const baseline = await measureBaseline(hub.frames, Math.round(hub.bytes / Math.max(hub.frames, 1)));
    return figure('replay throughput (--speed max, 1 consumer)', 'msg/s', hub.rate, baseline, {
      frames: hub.frames,
      avgFrameBytes: Math.round(hub.bytes / Math.max(hub.frames, 1)),
      marketMinutes: opts.minutes,
      streams: STREAMS.join('/'),
    });
  });
}
