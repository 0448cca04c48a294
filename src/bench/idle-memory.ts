/**
 * Memory per idle connection at 10,000 connections, SSE and WebSocket: the server runs in its
 * own process and reports its RSS after forced full GCs. A warm-up fleet is opened first and kept open (code
 * compiled, pools and tables sized on first use), the server sampled, then the measured fleets
 * (several worker processes, each from its own 127.0.0.x source address) bring the total to
 * `connections`; after a settle the server is sampled again. The figure is the RSS growth / the
 * measured connections (heap growth is kept beside it). The gateway's `/api/market-data/stream`
 * is compared with a hand-built `http` SSE service (`sse-baseline.ts`), its `/ws` with a bare
 * `ws` server holding the same subscribed clients (`idle-node.ts`), each measured the same way.
 * WebSocket clients are the header-only frame clients (one SUBSCRIBE each, then idle).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/logger.js';
import { BenchChild } from './child.js';
import { figure, type BenchFigure } from './report.js';
import { FrameClients } from './frame-clients.js';
import type { SseClientCommand, SseClientReport } from './sse-client-worker.js';
import {
  WS_SUBSCRIBE,
  type IdleServerCommand,
  type IdleServerKind,
  type IdleServerReport,
} from './idle-node.js';

export interface IdleMemoryOptions {
  /** Connections open at the second sample (warm-up included). */
  readonly connections: number;
  /** Opened first, before the first sample. */
  readonly warmup: number;
  /** Worker processes the measured connections are split across. */
  readonly workers: number;
  readonly logger: Logger;
}

/** A process's descriptors are capped by `ulimit -n` (20,000 here); keep well inside it. */
const MAX_CONNECTIONS = 15_000;
const SETTLE_MS = 1000;
const OPEN_TIMEOUT_MS = 60_000;

type ServerNode = BenchChild<IdleServerReport, IdleServerCommand>;
type ClientNode = BenchChild<SseClientReport, SseClientCommand>;
type Sample = Extract<IdleServerReport, { type: 'sample' }>;
/** A worker process holding idle connections open. */
interface Fleet {
  stop(): Promise<unknown>;
}

interface Growth {
  rssPerConnection: number;
  heapPerConnection: number;
  measured: number;
}

function sampleOf(server: ServerNode): Promise<Sample> {
  const got = server.next('memory sample', (m) => (m.type === 'sample' ? m : undefined), 10_000);
  server.send({ type: 'sample' });
  return got;
}

/** Open `n` SSE connections from `localAddress`; resolves once every one has its 200 headers. */
async function openSseFleet(port: number, path: string, n: number, localAddress: string): Promise<Fleet> {
  const node: ClientNode = new BenchChild(new URL('./sse-client-worker.js', import.meta.url));
  const ready = node.next('SSE connections', (m) => (m.type === 'ready' ? true : undefined), OPEN_TIMEOUT_MS);
  node.send({ type: 'start', port, path, connections: n, localAddress });
  try {
    await ready;
    return node;
  } catch (err) {
    await node.stop();
    // A server out of descriptors stops accepting without an error the clients could see.
    throw new Error(
      `${(err as Error).message} (${n} from ${localAddress}; if it timed out, check \`ulimit -n\` of the server process)`,
      { cause: err },
    );
  }
}

/** Open `n` WebSocket connections from `localAddress`; resolves once every SUBSCRIBE is answered. */
async function openWsFleet(port: number, path: string, n: number, localAddress: string): Promise<Fleet> {
  const clients = new FrameClients({
    host: '127.0.0.1',
    port,
    path,
    connections: n,
    localAddress,
    subscribe: WS_SUBSCRIBE,
  });
  try {
    await clients.ready;
    await clients.until(n, OPEN_TIMEOUT_MS);
    return clients;
  } catch (err) {
    await clients.stop();
    throw new Error(
      `${(err as Error).message} (${n} from ${localAddress}; if it timed out, check \`ulimit -n\` of the server process)`,
      { cause: err },
    );
  }
}

async function measure(kind: IdleServerKind, opts: IdleMemoryOptions): Promise<Growth> {
  const openFleet = kind.startsWith('ws-') ? openWsFleet : openSseFleet;
  const server: ServerNode = new BenchChild(new URL('./idle-node.js', import.meta.url), {
    nodeFlags: ['--expose-gc'],
  });
  const fleets: Fleet[] = [];
  try {
    const listening = server.next('listening', (m) => (m.type === 'listening' ? m : undefined), 15_000);
    server.send({ type: 'start', kind, maxConnections: opts.connections + 100 });
    const { port, path } = await listening;
    fleets.push(await openFleet(port, path, opts.warmup, '127.0.0.2'));
    await sleep(SETTLE_MS);
    const before = await sampleOf(server);
    const measured = opts.connections - opts.warmup;
    const share = Math.ceil(measured / opts.workers);
    const opening: Array<Promise<Fleet>> = [];
    for (let w = 0, left = measured; left > 0; w++, left -= share)
      opening.push(openFleet(port, path, Math.min(share, left), `127.0.0.${3 + w}`));
    const opened = await Promise.allSettled(opening);
    for (const o of opened) if (o.status === 'fulfilled') fleets.push(o.value);
    const failure = opened.find((o) => o.status === 'rejected');
    if (failure) throw failure.reason;
    await sleep(SETTLE_MS);
    const after = await sampleOf(server);
    opts.logger.info({ kind, before, after }, 'idle memory bench: server sampled');
    if (after.connections < opts.connections)
      throw new Error(
        `idle memory bench (${kind}): server holds ${after.connections} of ${opts.connections}`,
      );
    return {
      rssPerConnection: (after.rss - before.rss) / measured,
      heapPerConnection: (after.heap - before.heap) / measured,
      measured,
    };
  } finally {
    await Promise.all(fleets.map((f) => f.stop()));
    await server.stop();
  }
}

function validate(opts: IdleMemoryOptions, what: string): void {
  const { connections, warmup, workers } = opts;
  if (!Number.isInteger(connections) || connections < 2 || connections > MAX_CONNECTIONS)
    throw new Error(
      `${what} memory bench: connections must be a whole number 2…${MAX_CONNECTIONS}, got ${connections}`,
    );
  if (!Number.isInteger(warmup) || warmup < 1 || warmup >= connections)
    throw new Error(`${what} memory bench: warmup must be a whole number 1…connections−1, got ${warmup}`);
  if (!Number.isInteger(workers) || workers < 1 || workers > 200)
    throw new Error(`${what} memory bench: workers must be a whole number 1…200, got ${workers}`);
}

/** Baseline then gateway, each in a fresh server process, as one figure. */
async function benchIdle(
  opts: IdleMemoryOptions,
  transport: 'sse' | 'ws',
  name: string,
  baseline: string,
): Promise<BenchFigure> {
  validate(opts, transport === 'sse' ? 'SSE' : 'WebSocket');
  const base = await measure(`${transport}-baseline`, opts);
  // Under a WebSocket server's figure, what a socket alone costs (no library), as a floor.
  const floor = transport === 'ws' ? await measure('ws-floor', opts) : undefined;
  const value = await measure(`${transport}-tickstream`, opts);
  return figure(
    name,
    'B',
    value.rssPerConnection,
    base.rssPerConnection,
    {
      connections: opts.connections,
      measuredConnections: base.measured,
      warmupConnections: opts.warmup,
      measure: 'server RSS growth (after full GCs) over the measured connections / their count',
      baseline,
      baselineHeapPerConnection: Math.round(base.heapPerConnection),
      heapPerConnection: Math.round(value.heapPerConnection),
      ...(floor === undefined
        ? {}
        : {
            floor: 'the socket alone: upgrade by hand, no WebSocket library, a Set of sockets',
            floorPerConnection: Math.round(floor.rssPerConnection),
          }),
    },
    'lower',
  );
}

/** The gateway's SSE beside the hand-built baseline. */
export function benchSseMemory(opts: IdleMemoryOptions): Promise<BenchFigure> {
  return benchIdle(
    opts,
    'sse',
    `memory per idle SSE connection (${opts.connections} open, 1 pair each)`,
    'hand-built http SSE service (client Map, Set of pairs, heartbeat interval each)',
  );
}

/** The gateway's `/ws` beside a bare `ws` server holding the same idle subscribed clients. */
export function benchWsMemory(opts: IdleMemoryOptions): Promise<BenchFigure> {
  return benchIdle(
    opts,
    'ws',
    `memory per idle WebSocket connection (${opts.connections} open, 1 stream each)`,
    'bare ws server, a Set of clients per stream, ws.send per subscriber',
  );
}
