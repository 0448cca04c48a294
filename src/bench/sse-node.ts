/**
 * The SSE server under test in its own process (run with `--expose-gc`), so that its RSS is
 * the server's alone. One price tick per second goes out to every connection of the pair:
 * `baseline` is the hand-built service (`sse-baseline.ts`); `tickstream` is the gateway on the
 * bus `createBus` makes by default (memory, with recovery history), a trade published on
 * `trade@<pair>` each tick.
 * Driven by `sse-memory.ts`: `sample` answers with RSS and heap after three full GCs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createBus } from '../app/bus.js';
import { loggerFor, resolveConfig } from '../cli/commands.js';
import type { Trade } from '../core/types.js';
import { createSseBaseline } from './sse-baseline.js';
import { boundPort, startBenchGateway } from './setup.js';

export type SseServerKind = 'baseline' | 'tickstream';

export type SseServerCommand =
  { type: 'start'; kind: SseServerKind; maxConnections: number } | { type: 'sample' } | { type: 'stop' };

export type SseServerReport =
  | { type: 'listening'; port: number; path: string }
  | { type: 'sample'; rss: number; heap: number; connections: number }
  | { type: 'error'; message: string };

export const SSE_PAIR = 'BTC/USDT';
const TICK_MS = 1000;
const PATH = `/api/market-data/stream?pairs=${SSE_PAIR}`;

function report(r: SseServerReport): void {
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

async function startTickstream(maxConnections: number): Promise<Running> {
  const config = await resolveConfig({}, 'bench', {});
  const bus = createBus(config);
  const { gateway, port } = await startBenchGateway(bus, loggerFor(config), {
    pricePairs: [SSE_PAIR],
    sse: { maxConnections },
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
    path: PATH,
    port,
    connections: () => gateway.stats().sseConnections,
    async close() {
      clearInterval(tick);
      await gateway.close();
      await bus.close();
    },
  };
}

async function sample(running: Running): Promise<SseServerReport> {
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

process.once('message', (job: SseServerCommand) => {
  if (job.type !== 'start') return;
  (job.kind === 'baseline' ? startBaseline() : startTickstream(job.maxConnections)).then(
    (running) => {
      report({ type: 'listening', port: running.port, path: running.path });
      process.on('message', (cmd: SseServerCommand) => {
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
