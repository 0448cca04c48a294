/**
 * Memory per idle connection, in the server process (this one): WebSocket clients in the bench
 * child process connect, each subscribes to one stream and then stays idle.
 *
 * Method: a first fleet of N idle subscribed clients is opened and kept open (it absorbs the
 * one-time costs: code compiled and optimized on first use, pools and tables sized on first use),
 * then `heapUsed + external` is sampled, a second fleet of N is opened, and it is sampled again.
 * The figure is that growth / N: the marginal cost of one more idle connection. Each sample
 * follows three forced full GCs 50 ms apart. The bench runs under plain `node`, so the GC is
 * reached with `v8.setFlagsFromString('--expose-gc')` + `vm.runInNewContext('gc')` (the flag is
 * switched off again right after); without it the samples are taken unforced and say so.
 *
 * Not counted: native memory outside V8 (kernel socket buffers, libuv handles). RSS is not used:
 * freed heap pages are reused, so its growth is page-granular noise at this scale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import { BenchClients } from './clients.js';
import { figure, type BenchFigure } from './report.js';
import { closePlainWs, listenPlainWs, startBenchGateway } from './setup.js';

export interface MemoryBenchOptions {
  /** Idle connections per fleet; two fleets are opened (bounded to 2500: a 2-core loopback box). */
  connections: number;
  logger: Logger;
}

const STREAM = 'ticker@BTC/USDT';
const SUBSCRIBE = JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 });
const MAX_CONNECTIONS = 2500;
/** Pause after a fleet is fully subscribed, before sampling (handshake leftovers go away). */
const SETTLE_MS = 500;

interface Footprint {
  /** heapUsed + external, bytes. */
  heap: number;
}

interface Growth {
  heapPerConnection: number;
  /** Growth over both fleets from before the first, per connection (includes first-use costs). */
  withFirstUse: number;
}

/** The process's full-GC function: `global.gc` when run with `--expose-gc`, else fetched via V8 flags. */
function gcFunction(): (() => void) | undefined {
  const exposed: unknown = Reflect.get(globalThis, 'gc');
  if (typeof exposed === 'function') return () => void Reflect.apply(exposed, undefined, []);
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn: unknown = vm.runInNewContext('gc');
    if (typeof fn === 'function') return () => void Reflect.apply(fn, undefined, []);
  } catch {
    // fall through: measured without a forced GC
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  return undefined;
}

/** Full GCs with pauses between (weak callbacks and finalizers run in between), then a sample. */
async function footprint(gc: (() => void) | undefined): Promise<Footprint> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external };
}

/** Poll (bounded) until `done()` holds. */
async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 25) {
    if (done()) return;
    await sleep(25);
  }
  throw new Error(`memory bench: timed out waiting for ${what}`);
}

/** What the memory bench reads from the server under test: SUBSCRIBEs answered so far. */
type Subscribed = () => number;

/** Open `n` idle subscribed clients; wait until the server has answered `total` SUBSCRIBEs in all. */
async function openIdle(
  url: string,
  n: number,
  subscribed: Subscribed,
  total: number,
): Promise<BenchClients> {
  const clients = new BenchClients({
    url,
    connections: n,
    subscribe: SUBSCRIBE,
    dataPrefix: '{"stream"',
    expectPerConnection: 0,
  });
  try {
    await clients.ready;
    await waitFor(`${total} subscriptions`, () => subscribed() >= total, 10_000);
    return clients;
  } catch (err) {
    await clients.stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Open a first fleet of `n` idle subscribed clients and keep it open (it warms up everything
 * allocated once: compiled code, pools, tables sized on first use), sample, open a second fleet
 * of `n`, settle, sample. Growth between the two samples / n is the marginal cost of one more
 * idle connection; growth from before the first fleet is kept for reference (`withFirstUse`).
 */
async function growth(
  url: string,
  n: number,
  gc: (() => void) | undefined,
  subscribed: Subscribed,
): Promise<Growth> {
  const start = await footprint(gc);
  const fleets: BenchClients[] = [];
  try {
    fleets.push(await openIdle(url, n, subscribed, n));
    await sleep(SETTLE_MS);
    const before = await footprint(gc);
    fleets.push(await openIdle(url, n, subscribed, 2 * n));
    await sleep(SETTLE_MS);
    const after = await footprint(gc);
    return {
      heapPerConnection: (after.heap - before.heap) / n,
      withFirstUse: (after.heap - start.heap) / (2 * n),
    };
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
  }
}

async function measureGateway(n: number, gc: (() => void) | undefined, logger: Logger): Promise<Growth> {
  const bus = new MemoryBus();
  const { gateway, port } = await startBenchGateway(bus, logger, { limits: { maxConnections: 2 * n + 100 } });
  try {
    return await growth(`ws://127.0.0.1:${port}/ws`, n, gc, () => gateway.stats().subscriptions);
  } finally {
    await gateway.close();
    await bus.close();
  }
}

/**
 * Plain ws: each message is answered like a SUBSCRIBE; nothing is kept per connection beyond what
 * `ws` keeps (the bench counts replies in one number, so it adds nothing per connection either).
 */
async function measureBaseline(n: number, gc: (() => void) | undefined): Promise<Growth> {
  const { wss, port } = await listenPlainWs();
  let answered = 0;
  wss.on('connection', (ws) =>
    ws.on('message', () => {
      answered++;
      ws.send('{"result":null,"id":1}');
    }),
  );
  try {
    return await growth(`ws://127.0.0.1:${port}`, n, gc, () => answered);
  } finally {
    await closePlainWs(wss);
  }
}

export async function benchMemory(opts: MemoryBenchOptions): Promise<BenchFigure> {
  const n = Math.max(1, Math.min(MAX_CONNECTIONS, Math.floor(opts.connections)));
  const gc = gcFunction();
  const baseline = await measureBaseline(n, gc);
  const value = await measureGateway(n, gc, opts.logger);
  return figure(
    `memory per idle connection (+${n} on ${n} open, 1 stream each)`,
    'B',
    value.heapPerConnection,
    baseline.heapPerConnection,
    {
      connections: n,
      measure: 'heapUsed+external growth over a 2nd fleet of N idle clients / N',
      gc: gc === undefined ? 'not forced (unavailable)' : 'forced',
      stream: STREAM,
      withFirstUse: Math.round(value.withFirstUse),
      baselineWithFirstUse: Math.round(baseline.withFirstUse),
    },
    'lower',
  );
}
