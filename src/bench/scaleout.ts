/**
 * Scale-out fan-out: two server instances on one throwaway redis-server, each in its own
 * process, 1,000 clients (two worker processes) split across them, one publisher in this
 * process whose messages reach both instances through Redis. Socket.IO with its Redis adapter is
 * the baseline; Tickstream is two gateways on the Redis bus. Both get the same treatment:
 *
 * 1. Warm-up: one message every 50 ms until every client has received one (subscriptions, Redis
 *    channels and code paths in place), then the counts are reset.
 * 2. Saturated: `messages` published `perTurn` per event-loop turn, paced so the clients are at
 *    most `WINDOW` messages behind (no system is pushed into dropping slow consumers);
 *    delivered/s = clients × messages / (last delivery − first publish).
 * 3. Fixed rate: `rate` messages/s for `rateSeconds` (the same rate for both: half of what
 *    Socket.IO delivered saturated, so the baseline is measured below its knee); p50/p99 of the
 *    publish → client latency over every delivery to a sampled twentieth of the clients (the
 *    publisher stamps `sentAt`, they read it; same wall clock on one machine). The clients read
 *    frame headers only (`raw-ws.ts`), so the servers are what is measured.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer } from '../bus/redis-server.js';
import { busConnected, createBus } from '../app/bus.js';
import type { Bus } from '../bus/bus.js';
import { loggerFor, resolveConfig } from '../cli/commands.js';
import type { Logger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { BenchChild } from './child.js';
import { Fleet } from './fleet.js';
import type { FleetProtocol } from './fleet-worker.js';
import { LatencyHistogram } from './histogram.js';
import { figure, type BenchFigure } from './report.js';
import type { ScaleOutServerCommand, ScaleOutServerKind, ScaleOutServerReport } from './scaleout-node.js';

export interface ScaleOutOptions {
  readonly clients: number;
  /** Messages every client receives in the saturated phase. */
  readonly messages: number;
  readonly perTurn: number;
  /** Length of the fixed-rate phase. */
  readonly rateSeconds: number;
  readonly logger: Logger;
}

export const SCALE_OUT_STREAM = 'trade@BTC/USDT';
const ROOM = 'trades';
/** Messages a client may be behind the publisher in the saturated phase before it waits. */
const WINDOW = 300;
/** Bound on every wait for deliveries. */
const DRAIN_TIMEOUT_MS = 60_000;

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The trade both systems carry, stamped with its publish time. */
export function benchTrade(i: number): Trade & { sentAt: number } {
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
    sentAt: wallNow(),
  };
}

/** Two running instances and a way to publish to both. */
export interface ScaleOutSystem {
  readonly name: string;
  readonly protocol: FleetProtocol;
  readonly ports: readonly [number, number];
  /** Publish messages `from … from+count-1`, in this turn. */
  publish(from: number, count: number): void;
  close(): Promise<void>;
}

export type ServerNode = BenchChild<ScaleOutServerReport, ScaleOutServerCommand>;

/** Start one instance process of `kind`; resolves with its port. */
export async function startServerNode(
  kind: ScaleOutServerKind,
  redisUrl: string,
): Promise<{ node: ServerNode; port: number }> {
  const node: ServerNode = new BenchChild(new URL('./scaleout-node.js', import.meta.url));
  const listening = node.next('listening', (m) => (m.type === 'listening' ? m.port : undefined), 15_000);
  node.send({ type: 'start', kind, redisUrl, room: ROOM });
  try {
    return { node, port: await listening };
  } catch (err) {
    await node.stop();
    throw err;
  }
}

/** Both instances, or neither: one that started is stopped when the other failed. */
async function startPair(
  kind: ScaleOutServerKind,
  redisUrl: string,
): Promise<[{ node: ServerNode; port: number }, { node: ServerNode; port: number }]> {
  const started = await Promise.allSettled([
    startServerNode(kind, redisUrl),
    startServerNode(kind, redisUrl),
  ]);
  const [a, b] = started;
  if (a.status === 'fulfilled' && b.status === 'fulfilled') return [a.value, b.value];
  await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.node.stop() : undefined)));
  throw (a.status === 'rejected' ? a.reason : (b as PromiseRejectedResult).reason) as Error;
}

async function socketIoSystem(redisUrl: string): Promise<ScaleOutSystem> {
  const { socketIoPublisher } = await import('./socketio-publisher.js');
  const nodes = await startPair('socketio', redisUrl);
  const publisher = await socketIoPublisher(redisUrl, ROOM).catch(async (err: unknown) => {
    await Promise.all(nodes.map((n) => n.node.stop()));
    throw err;
  });
  return {
    name: 'Socket.IO + Redis adapter',
    protocol: 'socketio',
    ports: [nodes[0].port, nodes[1].port],
    publish(from, count) {
      for (let i = from; i < from + count; i++)
        publisher.emit({ stream: SCALE_OUT_STREAM, data: benchTrade(i) });
    },
    async close() {
      await publisher.close();
      await Promise.all(nodes.map((n) => n.node.stop()));
    },
  };
}

/** The bus `--bus <redisUrl>` names, connected (bounded: `busConnected`). */
async function redisBus(redisUrl: string): Promise<Bus> {
  const config = await resolveConfig({ bus: redisUrl }, 'bench', {});
  const logger = loggerFor(config);
  const bus = createBus(config, logger);
  await busConnected(bus, logger);
  return bus;
}

/**
 * Two gateway processes on the Redis bus; the publisher is a third bus client in this process,
 * publishing as the leader's ingest does, so both instances receive through Redis alike.
 */
async function tickstreamSystem(redisUrl: string): Promise<ScaleOutSystem> {
  const bus = await redisBus(redisUrl);
  try {
    const nodes = await startPair('tickstream', redisUrl);
    return {
      name: 'Tickstream gateways on the Redis bus',
      protocol: 'tickstream',
      ports: [nodes[0].port, nodes[1].port],
      publish(from, count) {
        for (let i = from; i < from + count; i++) bus.publish(SCALE_OUT_STREAM, benchTrade(i));
      },
      async close() {
        await Promise.all(nodes.map((n) => n.node.stop()));
        await bus.close();
      },
    };
  } catch (err) {
    await bus.close();
    throw err;
  }
}

interface Run {
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
  rateDelivered: number;
  rateExpected: number;
  closed: number;
}

class Fleets {
  constructor(readonly fleets: readonly Fleet[]) {}
  get received(): number {
    return this.fleets.reduce((s, f) => s + f.progress.received, 0);
  }
  get withData(): number {
    return this.fleets.reduce((s, f) => s + f.progress.withData, 0);
  }
  get closed(): number {
    return this.fleets.reduce((s, f) => s + f.progress.closed, 0);
  }
  get lastAt(): number {
    return Math.max(...this.fleets.map((f) => f.progress.lastAt));
  }
  async until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`scale-out bench: timed out waiting for ${what}`);
      await sleep(10);
    }
  }
}

async function runLoad(system: ScaleOutSystem, opts: ScaleOutOptions, rate: () => number): Promise<Run> {
  const half = Math.floor(opts.clients / 2);
  const fleets = new Fleets([
    new Fleet(system.protocol, system.ports[0], half, SCALE_OUT_STREAM),
    new Fleet(system.protocol, system.ports[1], opts.clients - half, SCALE_OUT_STREAM),
  ]);
  const n = opts.clients;
  let seq = 0;
  try {
    await Promise.all(fleets.fleets.map((f) => f.ready(30_000)));
    // 1. warm-up
    const warmDeadline = Date.now() + 15_000;
    while (fleets.withData < n) {
      if (Date.now() > warmDeadline)
        throw new Error(`${system.name}: only ${fleets.withData} of ${n} clients got data during warm-up`);
      system.publish(seq++, 1);
      await sleep(50);
    }
    await sleep(200);
    await Promise.all(fleets.fleets.map((f) => f.reset()));

    // 2. saturated
    const started = wallNow();
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    for (let sent = 0; sent < opts.messages;) {
      if (sent - fleets.received / n > WINDOW) {
        if (Date.now() > deadline) throw new Error(`${system.name}: no progress for ${DRAIN_TIMEOUT_MS} ms`);
        await sleep(1);
        continue;
      }
      const count = Math.min(opts.perTurn, opts.messages - sent);
      system.publish(seq, count);
      seq += count;
      sent += count;
      await yieldToLoop();
    }
    await fleets.until('saturated deliveries', () => fleets.received >= n * opts.messages, DRAIN_TIMEOUT_MS);
    const deliveredPerSec = (n * opts.messages) / ((fleets.lastAt - started) / 1000);
    await Promise.all(fleets.fleets.map((f) => f.reset()));

    // 3. fixed rate
    const perSec = rate() > 0 ? rate() : deliveredPerSec / n / 2;
    const total = Math.max(1, Math.round(perSec * opts.rateSeconds));
    const t0 = Date.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * perSec) + 1);
      if (due > sent) {
        system.publish(seq, due - sent);
        seq += due - sent;
        sent = due;
      }
      await sleep(1);
    }
    await fleets
      .until('fixed-rate deliveries', () => fleets.received >= n * total, DRAIN_TIMEOUT_MS)
      .catch(() => undefined); // lost deliveries are reported, not fatal
    const latency = new LatencyHistogram();
    let rateDelivered = 0;
    for (const f of fleets.fleets) {
      const c = await f.collect();
      latency.merge(c.latency);
      rateDelivered += c.received;
    }
    return {
      deliveredPerSec,
      p50Ms: latency.percentile(0.5),
      p99Ms: latency.percentile(0.99),
      rateDelivered,
      rateExpected: n * total,
      closed: fleets.closed,
    };
  } finally {
    await Promise.all(fleets.fleets.map((f) => f.stop()));
  }
}

/** Run `system` (built on a fresh redis-server) through the load; everything is stopped after. */
async function measure(
  build: (redisUrl: string) => Promise<ScaleOutSystem>,
  opts: ScaleOutOptions,
  rate: () => number,
): Promise<Run & { name: string }> {
  const redis = await startRedisServer();
  try {
    const system = await build(redis.url);
    try {
      return { name: system.name, ...(await runLoad(system, opts, rate)) };
    } finally {
      await system.close();
    }
  } finally {
    await redis.stop();
  }
}

function validate(opts: ScaleOutOptions): void {
  for (const key of ['clients', 'messages', 'perTurn'] as const) {
    const v = opts[key];
    if (!Number.isInteger(v) || v < (key === 'clients' ? 2 : 1))
      throw new Error(
        `scale-out bench: ${key} must be a whole number ≥ ${key === 'clients' ? 2 : 1}, got ${v}`,
      );
  }
  if (!(opts.rateSeconds > 0))
    throw new Error(`scale-out bench: rateSeconds must be > 0, got ${opts.rateSeconds}`);
}

/** Socket.IO, then Tickstream at the same fixed rate; each figure Tickstream beside Socket.IO. */
export async function benchScaleOut(opts: ScaleOutOptions): Promise<BenchFigure[]> {
  validate(opts);
  let rate = 0;
  const base = await measure(socketIoSystem, opts, () => rate);
  rate = base.deliveredPerSec / opts.clients / 2;
  const value = await measure(tickstreamSystem, opts, () => rate);
  opts.logger.info({ socketIo: base, tickstream: value }, 'scale-out bench measured');
  const details = {
    clients: opts.clients,
    instances: 2,
    perTurn: opts.perTurn,
    saturatedMessagesPerClient: opts.messages,
    fixedRateMsgPerSec: Math.round(rate * 10) / 10,
    fixedRateSeconds: opts.rateSeconds,
    fixedRateDelivered: value.rateDelivered,
    fixedRateExpected: value.rateExpected,
    closed: value.closed,
    baseline: base.name,
    baselineFixedRateDelivered: base.rateDelivered,
    baselineFixedRateExpected: base.rateExpected,
    baselineClosed: base.closed,
  };
  const name = `two gateways on Redis vs two Socket.IO + Redis adapter (${opts.clients} clients split across them)`;
  const at = `at ${Math.round(rate)} msg/s`;
  return [
    figure(`${name}, saturated`, 'deliveries/s', value.deliveredPerSec, base.deliveredPerSec, details),
    figure(`${name}, p50 latency ${at}`, 'ms', value.p50Ms, base.p50Ms, details, 'lower'),
    figure(`${name}, p99 latency ${at}`, 'ms', value.p99Ms, base.p99Ms, details, 'lower'),
  ];
}
