/**
 * The server under test of the idle-connection memory benches, in its own process (run with
 * `--expose-gc`), so that its RSS is the server's alone. One price tick per second goes out to
 * every connection of the pair:
 * - `sse-baseline`: the hand-built SSE service (`sse-baseline.ts`);
 * - `ws-baseline`: a bare `ws` server that keeps each client's streams (a Set per stream) and
 *   sends the tick to each subscriber: what one writes by hand with the library;
 * - `ws-floor`: no WebSocket library at all: the upgrade answered by hand, then only the socket is
 *   kept (in a Set of subscribers), its first message taken as the SUBSCRIBE and answered, each
 *   tick framed once and written to every socket. What any Node server pays per connection, the
 *   floor under both of the others;
 * - `sse-tickstream` / `ws-tickstream`: the gateway (`/api/market-data/stream`, `/ws`) on the bus
 *   `createBus` makes by default (memory, with recovery history), a trade on `trade@<pair>` each tick.
 * Driven by `idle-memory.ts`: `sample` answers with RSS and heap after three full GCs.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '../app/bus.js';
import { loggerFor, resolveConfig } from '../cli/commands.js';
import type { Trade } from '../core/types.js';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameBatch } from '../net/ws-frame.js';
import { createSseBaseline } from './sse-baseline.js';
import { boundPort, startBenchGateway } from './setup.js';

export type IdleServerKind = 'sse-baseline' | 'sse-tickstream' | 'ws-baseline' | 'ws-floor' | 'ws-tickstream';

export type IdleServerCommand =
  { type: 'start'; kind: IdleServerKind; maxConnections: number } | { type: 'sample' } | { type: 'stop' };

export type IdleServerReport =
  | { type: 'listening'; port: number; path: string }
  | { type: 'sample'; rss: number; heap: number; connections: number }
  | { type: 'error'; message: string };

export const SSE_PAIR = 'BTC/USDT';
const TICK_MS = 1000;
const PATH = `/api/market-data/stream?pairs=${SSE_PAIR}`;
/** What a WebSocket client of either WS kind sends once connected. */
export const WS_SUBSCRIBE = JSON.stringify({ method: 'SUBSCRIBE', params: [`trade@${SSE_PAIR}`], id: 1 });
const WS_REPLY = '{"result":null,"id":1}';

function report(r: IdleServerReport): void {
  process.send?.(r);
}

interface Running {
  readonly path: string;
  readonly port: number;
  connections(): number;
  close(): Promise<void>;
}

async function startBaseline(): Promise<Running> {
  const sse = createSseBaseline();
  await new Promise<void>((resolve) =>
    sse.server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve),
  );
  let price = 67_000;
  const tick = setInterval(() => sse.broadcast(SSE_PAIR, (price += 0.5)), TICK_MS);
  return {
    path: PATH,
    port: boundPort(sse.server.address()),
    connections: () => sse.connections(),
    async close() {
      clearInterval(tick);
      sse.server.closeAllConnections();
      await new Promise((r) => sse.server.close(r));
    },
  };
}

const TICK_STREAM = `trade@${SSE_PAIR}`;

/** The baseline WebSocket servers' ticks: each call, the next trade message on `TICK_STREAM`. */
function tickMessages(): () => string {
  let price = 67_000;
  return () =>
    JSON.stringify({ stream: TICK_STREAM, data: { type: 'trade', symbol: SSE_PAIR, price: (price += 0.5) } });
}

async function startWsBaseline(): Promise<Running> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 2048, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const subscribers = new Map<string, Set<WebSocket>>();
  wss.on('connection', (ws) => {
    ws.on('message', (raw) => {
      let params: unknown;
      try {
        params = (JSON.parse(String(raw)) as { params?: unknown }).params;
      } catch {
        return;
      }
      if (!Array.isArray(params)) return;
      for (const stream of params) {
        if (typeof stream !== 'string') continue;
        let set = subscribers.get(stream);
        if (set === undefined) subscribers.set(stream, (set = new Set()));
        set.add(ws);
      }
      ws.send(WS_REPLY);
    });
    ws.on('close', () => {
      for (const set of subscribers.values()) set.delete(ws);
    });
  });
  const next = tickMessages();
  const tick = setInterval(() => {
    const data = next();
    for (const ws of subscribers.get(TICK_STREAM) ?? []) ws.send(data);
  }, TICK_MS);
  return {
    path: '/',
    port: boundPort(wss.address()),
    connections: () => wss.clients.size,
    async close() {
      clearInterval(tick);
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(r));
    },
  };
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

async function startWsFloor(): Promise<Running> {
  const server = createServer();
  const subscribers = new Set<Socket>();
  const reply = frameBatch([Buffer.from(WS_REPLY)], null);
  server.on('upgrade', (req, socket: Socket) => {
    const accept = createHash('sha1')
      .update(`${String(req.headers['sec-websocket-key'])}${WS_GUID}`)
      .digest('base64');
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket.setNoDelay(true);
    socket.once('data', () => {
      subscribers.add(socket);
      socket.write(reply);
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => subscribers.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve));
  const next = tickMessages();
  const tick = setInterval(() => {
    const frame = frameBatch([Buffer.from(next())], null);
    for (const socket of subscribers) socket.write(frame);
  }, TICK_MS);
  return {
    path: '/',
    port: boundPort(server.address()),
    connections: () => subscribers.size,
    async close() {
      clearInterval(tick);
      for (const socket of subscribers) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function startTickstream(maxConnections: number, transport: 'sse' | 'ws'): Promise<Running> {
  const config = await resolveConfig({}, 'bench', {});
  const bus = createBus(config);
  const { gateway, port } = await startBenchGateway(bus, loggerFor(config), {
    pricePairs: [SSE_PAIR],
    sse: { maxConnections },
    limits: { maxConnections },
  });
  let i = 0;
  const tick = setInterval(() => {
    const now = Date.now();
    const trade: Trade = {
      type: 'trade',
      exchange: 'binance',
      symbol: SSE_PAIR,
      timestamp: now,
      localTimestamp: now,
      id: String(++i),
      price: 67_000 + i / 2,
      amount: 0.01,
      side: 'buy',
    };
    bus.publish(`trade@${SSE_PAIR}`, trade);
  }, TICK_MS);
  return {
    path: transport === 'sse' ? PATH : '/ws',
    port,
    connections: () => (transport === 'sse' ? gateway.stats().sseConnections : gateway.stats().connections),
    async close() {
      clearInterval(tick);
      await gateway.close();
      await bus.close();
    },
  };
}

async function sample(running: Running): Promise<IdleServerReport> {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  for (let i = 0; i < 3; i++) {
    if (typeof gc === 'function') Reflect.apply(gc, undefined, []);
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { type: 'sample', rss: m.rss, heap: m.heapUsed + m.external, connections: running.connections() };
}

// The bench process is gone (crashed or killed): do not linger.
process.once('disconnect', () => process.exit(0));

function start(kind: IdleServerKind, maxConnections: number): Promise<Running> {
  switch (kind) {
    case 'sse-baseline':
      return startBaseline();
    case 'ws-baseline':
      return startWsBaseline();
    case 'ws-floor':
      return startWsFloor();
    case 'sse-tickstream':
      return startTickstream(maxConnections, 'sse');
    case 'ws-tickstream':
      return startTickstream(maxConnections, 'ws');
  }
}

process.once('message', (job: IdleServerCommand) => {
  if (job.type !== 'start') return;
  start(job.kind, job.maxConnections).then(
    (running) => {
      report({ type: 'listening', port: running.port, path: running.path });
      process.on('message', (cmd: IdleServerCommand) => {
        if (cmd.type === 'sample') void sample(running).then(report);
        else if (cmd.type === 'stop') void running.close().finally(() => process.exit(0));
      });
    },
    (err: unknown) => {
      report({ type: 'error', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
});
