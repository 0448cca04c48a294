/**
 * Fan-out of one stream to many WebSocket clients (in another process, reading only frame
 * headers), saturated: the gateway beside two plain-`ws` baselines measured in the same run —
 * the naive broadcast (stringify once, `send` to each client) and a hand-tuned server that
 * frames a turn's messages once and writes one buffer per client.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { frameBatch } from '../net/ws-frame.js';
import { FrameClients } from './frame-clients.js';
import { figure, type BenchFigure } from './report.js';
import { closePlainWs, listenPlainWs, startBenchGateway } from './setup.js';

export interface FanoutLoad {
  readonly clients: number;
  /** Messages published per event-loop turn. */
  readonly perTurn: number;
  /** Messages every client receives (the gateway and the pre-framed server). */
  readonly messages: number;
  /** Messages for the naive broadcast, which is far slower (its rate is what counts). */
  readonly naiveMessages: number;
  readonly logger: Logger;
}

const STREAM = 'trade@BTC/USDT';
const SUBSCRIBE = JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 });
const REPLY = '{"result":null,"id":1}';
/** Messages a client may be behind the publisher before it waits (keeps backlogs far below the drop limit). */
const WINDOW = 300;

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

interface Server {
  readonly port: number;
  readonly path: string;
  /** Publish messages `from … from+count-1` in this turn. */
  publish(from: number, count: number): void;
  close(): Promise<void>;
}

/** Deliveries per second: publish `messages` in turns of `perTurn`, paced by the clients' progress. */
async function measure(server: Server, load: FanoutLoad, messages: number): Promise<number> {
  const clients = new FrameClients({
    host: '127.0.0.1',
    port: server.port,
    path: server.path,
    connections: load.clients,
    subscribe: SUBSCRIBE,
  });
  try {
    await clients.ready;
    await clients.until(load.clients, 10_000); // every SUBSCRIBE answered
    const started = performance.timeOrigin + performance.now();
    const deadline = Date.now() + 120_000;
    for (let sent = 0; sent < messages;) {
      const behind = sent - (clients.frames - load.clients) / load.clients;
      if (behind > WINDOW) {
        if (Date.now() > deadline) throw new Error('fan-out bench made no progress for 120 s');
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const count = Math.min(load.perTurn, messages - sent);
      server.publish(sent, count);
      sent += count;
      await yieldToLoop();
    }
    await clients.until(load.clients * (messages + 1), 120_000);
    const { lastAt } = clients.progress;
    return (load.clients * messages) / ((lastAt - started) / 1000);
  } finally {
    await clients.stop();
    await server.close();
  }
}

async function gatewayServer(logger: Logger): Promise<Server> {
  const bus = new MemoryBus();
  const { gateway, port } = await startBenchGateway(bus, logger, {
    limits: { maxConnections: 20_000, messageRatePerSec: 1000, messageBurst: 1000 },
  });
  return {
    port,
    path: '/ws',
    publish(from, count) {
      for (let i = from; i < from + count; i++) bus.publish(STREAM, trade(i));
    },
    async close() {
      await gateway.close();
      await bus.close();
    },
  };
}

async function naiveServer(): Promise<Server> {
  const { wss, port } = await listenPlainWs();
  wss.on('connection', (ws) => ws.on('message', () => ws.send(REPLY)));
  return {
    port,
    path: '/',
    publish(from, count) {
      for (let i = from; i < from + count; i++) {
        const data = JSON.stringify({ stream: STREAM, data: trade(i) });
        for (const client of wss.clients) client.send(data);
      }
    },
    close: () => closePlainWs(wss),
  };
}

/** What a careful engineer writes by hand: one framed buffer per turn, one write per client. */
async function preFramedServer(): Promise<Server> {
  const { wss, port } = await listenPlainWs();
  const sockets: Socket[] = [];
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('message', () => {
      ws.send(REPLY);
      sockets.push(req.socket);
    });
  });
  return {
    port,
    path: '/',
    publish(from, count) {
      const payloads: Buffer[] = [];
      for (let i = from; i < from + count; i++) {
        payloads.push(Buffer.from(JSON.stringify({ stream: STREAM, data: trade(i) })));
      }
      const batch = frameBatch(payloads, null);
      for (let i = 0; i < sockets.length; i++) sockets[i].write(batch);
    },
    close: () => closePlainWs(wss),
  };
}

/** The gateway's deliveries/s beside both baselines: two figures, one per baseline. */
export async function benchFanout(load: FanoutLoad): Promise<BenchFigure[]> {
  const naive = await measure(await naiveServer(), load, load.naiveMessages);
  const preFramed = await measure(await preFramedServer(), load, load.messages);
  const gateway = await measure(await gatewayServer(load.logger), load, load.messages);
  const name = `gateway fan-out (${load.clients} clients, ${load.perTurn} msg/turn, saturated)`;
  const details = { clients: load.clients, perTurn: load.perTurn, messagesPerClient: load.messages };
  return [
    figure(`${name} vs naive ws broadcast`, 'deliveries/s', gateway, naive, details),
    figure(`${name} vs pre-framed ws`, 'deliveries/s', gateway, preFramed, details),
  ];
}
