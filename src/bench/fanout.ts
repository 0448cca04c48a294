import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { BenchClients } from './clients.js';
import { figure, type BenchFigure } from './report.js';
import { closePlainWs, listenPlainWs, startBenchGateway } from './setup.js';

export interface FanoutOptions {
  clients: number;
  messages: number;
  logger: Logger;
}

const STREAM = 'trade@BTC/USDT';

function trade(i: number): Trade {
  const now = Date.now();
  return {
    type: 'trade',
    exchange: 'binance',
    symbol: 'BTC/USDT',
    timestamp: now,
    localTimestamp: now,
    id: String(3_500_000_000 + i),
    price: 67_000 + (i % 100) / 100,
    amount: 0.001 * ((i % 37) + 1),
    side: i % 2 === 0 ? 'buy' : 'sell',
  };
}

/** Publish in batches, yielding between them so sockets can flush (as a live feed would). */
async function publishAll(count: number, publish: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i++) {
    publish(i);
    if (i % 50 === 49) await yieldToLoop();
  }
}

function rate(report: { received: number; firstAt: number; lastAt: number }): number {
  const seconds = Math.max(report.lastAt - report.firstAt, 1) / 1000;
  return report.received / seconds;
}

async function measureGateway(opts: FanoutOptions): Promise<number> {
  const bus = new MemoryBus();
  const { gateway, port } = await startBenchGateway(bus, opts.logger);
  const clients = new BenchClients({
    url: `ws://127.0.0.1:${port}/ws`,
    connections: opts.clients,
    subscribe: JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 }),
    dataPrefix: '{"stream"',
    expectPerConnection: opts.messages,
  });
  await clients.ready;
  await publishAll(opts.messages, (i) => bus.publish(STREAM, trade(i)));
  const report = await clients.done;
  await gateway.close();
  await bus.close();
  return rate(report);
}

/** The plain-ws way (ws README broadcast): stringify once, send to every client. */
async function measureBaseline(opts: FanoutOptions): Promise<number> {
  const { wss, port } = await listenPlainWs();
  wss.on('connection', (ws) => ws.on('message', () => ws.send('{"result":null,"id":1}')));
  const clients = new BenchClients({
    url: `ws://127.0.0.1:${port}`,
    connections: opts.clients,
    subscribe: JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 }),
    dataPrefix: '{"stream"',
    expectPerConnection: opts.messages,
  });
  await clients.ready;
  await publishAll(opts.messages, (i) => {
    const data = JSON.stringify({ stream: STREAM, data: trade(i) });
    for (const client of wss.clients) client.send(data);
  });
  const report = await clients.done;
  await closePlainWs(wss);
  return rate(report);
}

export async function benchFanout(opts: FanoutOptions): Promise<BenchFigure> {
  const baseline = await measureBaseline(opts);
  const value = await measureGateway(opts);
  return figure(`gateway fan-out (${opts.clients} clients)`, 'msg/s', value, baseline, {
    clients: opts.clients,
    messagesPerClient: opts.messages,
  });
}
