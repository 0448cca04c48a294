/**
 * Fan-out of one stream, or several with each client on some of them, to many WebSocket clients
 * (in another process, reading only frame headers), saturated: the gateway beside two plain-`ws`
 * baselines measured in the same run — the naive broadcast (stringify once, `send` to each
 * subscriber) and a hand-tuned server that frames a turn's messages of each stream once and
 * writes one corked buffer set per client. Then, optionally, the gateway's publish → client
 * latency (sampled clients read the publish stamp) at half its saturated rate.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { WebSocket } from 'ws';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_WRITE_DELAY_MS } from '../gateway/limits.js';
import { frameBatch } from '../net/ws-frame.js';
import { FrameClients } from './frame-clients.js';
import { LatencyHistogram } from './histogram.js';
import { figure, type BenchFigure } from './report.js';
import { benchTrade } from './scaleout.js';
import { closePlainWs, listenPlainWs, startBenchGateway } from './setup.js';

export interface FanoutLoad {
  readonly clients: number;
  /** Messages published per event-loop turn. */
  readonly perTurn: number;
  /** Messages published in all (the gateway and the pre-framed server), spread over the streams. */
  readonly messages: number;
  /** Messages for the naive broadcast, which is far slower (its rate is what counts). */
  readonly naiveMessages: number;
  /** Streams the messages are spread over, round robin (default 1). */
  readonly streams?: number;
  /** Streams each client subscribes, spread so every stream has as many subscribers (default 1). */
  readonly streamsPerClient?: number;
  /** Also time the gateway's publish → client latency at half its saturated rate, for this long (s). */
  readonly latencySeconds?: number;
  readonly logger: Logger;
}

const REPLY = '{"result":null,"id":1}';
/** Messages a client may be behind the publisher before it waits (keeps backlogs far below the drop limit). */
const WINDOW = 300;
/** Every this many-th client reads its payloads for the publish stamp (the rest count headers only). */
const SAMPLE_EVERY = 20;
/** The latency goal the figures are read against (issue: p99 ≤ 25 ms at half of saturation). */
const P99_GOAL_MS = 25;

/** The stream names of a load and which of them each client subscribes. */
class StreamPlan {
  readonly names: readonly string[];
  readonly perClient: number;

  constructor(readonly load: FanoutLoad) {
    const n = load.streams ?? 1;
    this.names = n === 1 ? ['trade@BTC/USDT'] : Array.from({ length: n }, (_, k) => `trade@X${k}/USDT`);
    this.perClient = Math.min(n, load.streamsPerClient ?? 1);
  }

  /** The streams of client `i`: consecutive ones from `i × perClient`, so each stream gets as many. */
  of(i: number): string[] {
    const n = this.names.length;
    return Array.from({ length: this.perClient }, (_, k) => this.names[(i * this.perClient + k) % n]);
  }

  subscribes(): string[] {
    return Array.from({ length: this.load.clients }, (_, i) =>
      JSON.stringify({ method: 'SUBSCRIBE', params: this.of(i), id: 1 }),
    );
  }

  /** The stream message `i` is published on. */
  streamOf(i: number): string {
    return this.names[i % this.names.length];
  }

  /** Share of the published messages one client receives. */
  get share(): number {
    return this.perClient / this.names.length;
  }
}

interface Server {
  readonly port: number;
  readonly path: string;
  /** Publish messages `from … from+count-1` in this turn. */
  publish(from: number, count: number): void;
  close(): Promise<void>;
}

interface Measured {
  /** Deliveries per second, saturated. */
  readonly rate: number;
  /** Publish → client latency at half the saturated rate, when asked for. */
  readonly latency?: { p50: number; p99: number; samples: number; perSec: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Deliveries per second: publish `messages` in turns of `perTurn`, paced by the clients' progress;
 * then, when `latencySeconds` is set, publish at half the saturated rate and read the latency of
 * the sampled clients.
 */
async function measure(
  server: Server,
  plan: StreamPlan,
  messages: number,
  latencySeconds = 0,
): Promise<Measured> {
  const { load } = plan;
  const clients = new FrameClients({
    host: '127.0.0.1',
    port: server.port,
    path: server.path,
    connections: load.clients,
    subscribeEach: plan.subscribes(),
    sampleEvery: latencySeconds > 0 ? SAMPLE_EVERY : undefined,
  });
  const perMessage = load.clients * plan.share; // deliveries of one message
  try {
    await clients.ready;
    await clients.until(load.clients, 10_000); // every SUBSCRIBE answered
    const started = performance.timeOrigin + performance.now();
    const deadline = Date.now() + 120_000;
    for (let sent = 0; sent < messages;) {
      const behind = sent * plan.share - (clients.frames - load.clients) / load.clients;
      if (behind > WINDOW) {
        if (Date.now() > deadline) throw new Error('fan-out bench made no progress for 120 s');
        await sleep(1);
        continue;
      }
      const count = Math.min(load.perTurn, messages - sent);
      server.publish(sent, count);
      sent += count;
      await yieldToLoop();
    }
    const expected = load.clients + Math.round(perMessage * messages);
    await clients.until(expected, 120_000);
    const rate = (perMessage * messages) / ((clients.progress.lastAt - started) / 1000);
    if (latencySeconds <= 0) return { rate };

    // Half of saturation: messages/s such that deliveries/s are half the saturated figure.
    const perSec = rate / perMessage / 2;
    await clients.resetLatency();
    const total = Math.max(1, Math.round(perSec * latencySeconds));
    const t0 = Date.now();
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * perSec) + 1);
      while (sent < due) {
        const count = Math.min(load.perTurn, due - sent);
        server.publish(messages + sent, count);
        sent += count;
        await yieldToLoop();
      }
      await sleep(1);
    }
    await clients.until(expected + Math.round(perMessage * total), 30_000);
    const got = await clients.collectLatency();
    const h = new LatencyHistogram();
    h.merge(got.pairs);
    return {
      rate,
      latency: { p50: h.percentile(0.5), p99: h.percentile(0.99), samples: got.samples, perSec },
    };
  } finally {
    await clients.stop();
    await server.close();
  }
}

async function gatewayServer(plan: StreamPlan, logger: Logger): Promise<Server> {
  const bus = new MemoryBus();
  const { gateway, port } = await startBenchGateway(bus, logger, {
    limits: { maxConnections: 20_000, messageRatePerSec: 1000, messageBurst: 1000 },
  });
  return {
    port,
    path: '/ws',
    publish(from, count) {
      for (let i = from; i < from + count; i++) bus.publish(plan.streamOf(i), benchTrade(i));
    },
    async close() {
      await gateway.close();
      await bus.close();
    },
  };
}

/** The streams a plain-ws client asked for in its SUBSCRIBE. */
function subscribedStreams(raw: unknown): string[] {
  try {
    const msg = JSON.parse(String(raw)) as { params?: unknown };
    return Array.isArray(msg.params) ? msg.params.filter((p): p is string => typeof p === 'string') : [];
  } catch {
    return [];
  }
}

/** The usual hand-written broadcast: stringify each message once, `send` it to every subscriber. */
async function naiveServer(plan: StreamPlan): Promise<Server> {
  const { wss, port } = await listenPlainWs();
  const subscribers = new Map<string, Set<WebSocket>>(plan.names.map((n) => [n, new Set()]));
  wss.on('connection', (ws) =>
    ws.on('message', (raw) => {
      for (const stream of subscribedStreams(raw)) subscribers.get(stream)?.add(ws);
      ws.send(REPLY);
    }),
  );
  return {
    port,
    path: '/',
    publish(from, count) {
      for (let i = from; i < from + count; i++) {
        const stream = plan.streamOf(i);
        const data = JSON.stringify({ stream, data: benchTrade(i) });
        for (const client of subscribers.get(stream) ?? []) client.send(data);
      }
    },
    close: () => closePlainWs(wss),
  };
}

/**
 * What a careful engineer writes by hand: a turn's messages of each stream framed once into one
 * buffer, every client's buffers of the turn in one corked write.
 */
async function preFramedServer(plan: StreamPlan): Promise<Server> {
  const { wss, port } = await listenPlainWs();
  const sockets = new Map<string, Socket[]>(plan.names.map((n) => [n, []]));
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    ws.on('message', (raw) => {
      ws.send(REPLY);
      for (const stream of subscribedStreams(raw)) sockets.get(stream)?.push(req.socket);
    });
  });
  const corked = new Set<Socket>();
  return {
    port,
    path: '/',
    publish(from, count) {
      const payloads = new Map<string, Buffer[]>();
      for (let i = from; i < from + count; i++) {
        const stream = plan.streamOf(i);
        const list = payloads.get(stream) ?? [];
        list.push(Buffer.from(JSON.stringify({ stream, data: benchTrade(i) })));
        payloads.set(stream, list);
      }
      for (const [stream, list] of payloads) {
        const batch = frameBatch(list, null);
        for (const socket of sockets.get(stream) ?? []) {
          if (!corked.has(socket)) {
            socket.cork();
            corked.add(socket);
          }
          socket.write(batch);
        }
      }
      for (const socket of corked) socket.uncork();
      corked.clear();
    },
    close: () => closePlainWs(wss),
  };
}

/** The gateway's deliveries/s beside both baselines, and its latency at half load when asked. */
export async function benchFanout(load: FanoutLoad): Promise<BenchFigure[]> {
  const plan = new StreamPlan(load);
  const naive = await measure(await naiveServer(plan), plan, load.naiveMessages);
  const preFramed = await measure(await preFramedServer(plan), plan, load.messages);
  const gateway = await measure(
    await gatewayServer(plan, load.logger),
    plan,
    load.messages,
    load.latencySeconds,
  );
  const spread =
    plan.names.length === 1 ? '' : `, ${plan.names.length} streams, ${plan.perClient} per client`;
  const name = `gateway fan-out (${load.clients} clients${spread}, ${load.perTurn} msg/turn, saturated)`;
  const details = {
    clients: load.clients,
    perTurn: load.perTurn,
    streams: plan.names.length,
    streamsPerClient: plan.perClient,
    messages: load.messages,
    writeDelayMs: DEFAULT_WRITE_DELAY_MS,
  };
  const out = [
    figure(`${name} vs naive ws broadcast`, 'deliveries/s', gateway.rate, naive.rate, details),
    figure(`${name} vs pre-framed ws`, 'deliveries/s', gateway.rate, preFramed.rate, details),
  ];
  if (gateway.latency !== undefined) {
    const l = gateway.latency;
    out.push(
      figure(
        `gateway fan-out p99 latency at half of saturation (${load.clients} clients${spread}, ${load.perTurn} msg/turn) vs the ${P99_GOAL_MS} ms goal`,
        'ms',
        l.p99,
        P99_GOAL_MS,
        { ...details, p50Ms: l.p50, messagesPerSec: Math.round(l.perSec), sampledDeliveries: l.samples },
        'lower',
      ),
    );
  }
  return out;
}
