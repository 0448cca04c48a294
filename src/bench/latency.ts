/**
 * End-to-end latency, replay → client: the wall time from the publisher pushing a trade into the
 * replay hub to a WebSocket client (in the bench child process) receiving it.
 *
 * Tickstream: ReplayHub (Binance venue) → ingest (Binance client over the hub) → MemoryBus →
 * gateway `/ws` → clients subscribed to `trade@BTC/USDT`. Baseline: the same hub and publisher,
 * then a hand-written plain-`ws` relay (one upstream socket on `btcusdt@trade`, JSON.parse,
 * normalize, JSON.stringify `{stream,data}`, send to every client).
 *
 * Push times are recorded by trade id in this process, receipt times by the client worker; both
 * are `performance.timeOrigin + performance.now()` (the system wall clock, sub-ms, per process).
 * p50/p99 are over every (trade, client) delivery. The baseline runs first, then Tickstream, on
 * the same generated recordings.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket, { type RawData } from 'ws';
import { startIngest } from '../app/ingest-stack.js';
import { MemoryBus } from '../bus/memory.js';
import type { Logger } from '../core/logger.js';
import type { Trade } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';
import type { ReplayEvent, ReplaySink } from '../replay/events.js';
import { ReplayHub, type VenueEndpoint } from '../replay/hub.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { BenchClients, type DoneReport } from './clients.js';
import { figure, type BenchFigure } from './report.js';
import { closePlainWs, listenPlainWs, startBenchGateway, startBenchHub, withDataset } from './setup.js';

export interface LatencyBenchOptions {
  /** Market minutes of generated data replayed. */
  minutes: number;
  /** Replay speed (not `max`: the pipeline must not be saturated for latency to mean anything). */
  speed: number;
  clients: number;
  logger: Logger;
}

/** Measured on the Binance venue: the baseline relay below is written against its trade frames. */
const BINANCE = venueFor('binance');
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const NATIVE = 'BTCUSDT';
const STREAM = 'trade@BTC/USDT';
/** Trades in the first replay seconds are not measured (see {@link TimedSink}). */
const WARMUP_REPLAY_MS = 10_000;
/** Tickstream's trade JSON and the baseline's both carry the trade id as `"id":"<n>"`. */
const ID_PATTERN = '"id":"([^"]+)"';

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function tradeIdOf(data: unknown): number | undefined {
  if (typeof data !== 'object' || data === null || !('t' in data)) return undefined;
  return typeof data.t === 'number' ? data.t : undefined;
}

/**
 * The publisher's sink: notes the wall time each measured trade is pushed into the hub, then
 * pushes it. The first replay seconds are skipped: the first trade poll of a recording holds
 * ~200 trades from before it began, which all play at its first instant (a burst, not a feed).
 */
class TimedSink implements ReplaySink {
  readonly pushedAt = new Map<string, number>();
  private warmupUntil = Number.NaN;

  constructor(private readonly hub: ReplayHub) {}

  /**
   * Measure from `WARMUP_REPLAY_MS` after the recording's first capture: the first poll's older
   * trades (the tape before the recording began) are pushed at once as opening history, a burst
   * that is not the steady state this figure is about.
   */
  startAt(recordingStart: number): void {
    this.warmupUntil = recordingStart + WARMUP_REPLAY_MS;
  }

  push(event: ReplayEvent): void {
    if (Number.isNaN(this.warmupUntil)) this.warmupUntil = event.ts + WARMUP_REPLAY_MS;
    if (event.kind === 'trade' && event.symbol === NATIVE && event.ts >= this.warmupUntil) {
      const id = tradeIdOf(event.data);
      if (id !== undefined) this.pushedAt.set(String(id), wallNow());
    }
    this.hub.push(event);
  }

  advanceTo(ts: number): void {
    this.hub.advanceTo(ts);
  }
}

/**
 * Wait (bounded) until the hub's Binance venue has a consumer and has answered `controlRequests`
 * control messages (ingest SUBSCRIBEs after connecting; the baseline names its stream in the URL).
 */
async function waitForSubscriber(
  endpoint: VenueEndpoint,
  controlRequests: number,
  timeoutMs: number,
): Promise<void> {
  for (let waited = 0; waited < timeoutMs; waited += 20) {
    const stats = endpoint.stats();
    if (stats.consumers > 0 && (stats.counters.controlRequests ?? 0) >= controlRequests) return;
    await sleep(20);
  }
  throw new Error('latency bench: the relay never subscribed at the replay hub');
}

async function waitUntilStable(clients: BenchClients, quietMs: number, timeoutMs: number): Promise<void> {
  let last = -1;
  for (let waited = 0; clients.received() !== last && waited < timeoutMs; waited += quietMs) {
    last = clients.received();
    await sleep(quietMs);
  }
}

async function replay(root: string, speed: number, sink: TimedSink, logger: Logger): Promise<void> {
  const source = await BINANCE.openSource(root, logger);
  const start = await source.recordingStart();
  if (start !== undefined) sink.startAt(start);
  await new ReplayPublisher({ source, speed, loop: false, logger }).run(sink);
}

interface Sample {
  latenciesMs: Float64Array;
  trades: number;
  deliveries: number;
  expected: number;
}

function collect(pushedAt: ReadonlyMap<string, number>, report: DoneReport, clients: number): Sample {
  const out: number[] = [];
  for (const [id, receivedAt] of report.deliveries) {
    const sent = pushedAt.get(id);
    if (sent !== undefined) out.push(receivedAt - sent);
  }
  const latenciesMs = Float64Array.from(out).sort();
  return { latenciesMs, trades: pushedAt.size, deliveries: out.length, expected: pushedAt.size * clients };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function clientJob(url: string, clients: number): ConstructorParameters<typeof BenchClients>[0] {
  return {
    url,
    connections: clients,
    subscribe: JSON.stringify({ method: 'SUBSCRIBE', params: [STREAM], id: 1 }),
    dataPrefix: '{"stream"',
    expectPerConnection: 0,
    idPattern: ID_PATTERN,
  };
}

async function measureTickstream(root: string, opts: LatencyBenchOptions): Promise<Sample> {
  const { logger } = opts;
  const replayHub = await startBenchHub(BINANCE, logger, SYMBOLS);
  const bus = new MemoryBus();
  const { gateway, port: gatewayPort } = await startBenchGateway(bus, logger, {
    pricePairs: ['BTC/USDT', 'ETH/USDT'],
  });
  const ingest = startIngest({
    bus,
    symbols: new Map([['binance', ['BTC/USDT', 'ETH/USDT']]]),
    upstream: `http://127.0.0.1:${replayHub.port}`,
    bookDepth: 20,
    logger,
  });
  try {
    await waitForSubscriber(replayHub.endpoint, 1, 5000);
    const clients = new BenchClients(clientJob(`ws://127.0.0.1:${gatewayPort}/ws`, opts.clients));
    await clients.ready;
    const sink = new TimedSink(replayHub.hub);
    await replay(root, opts.speed, sink, logger);
    await waitUntilStable(clients, 300, 5000);
    return collect(sink.pushedAt, await clients.stop(), opts.clients);
  } finally {
    await ingest.close();
    await gateway.close();
    await bus.close();
    await replayHub.hub.close();
  }
}

interface BinanceTradeFrame {
  stream: string;
  data: { e: string; s: string; t: number; p: string; q: string; T: number; m: boolean };
}

/** The hand-written plain-ws relay: hub → parse → normalize → stringify → every client. */
async function measureBaseline(root: string, opts: LatencyBenchOptions): Promise<Sample> {
  const { logger } = opts;
  const replayHub = await startBenchHub(BINANCE, logger, SYMBOLS);
  const { wss, port } = await listenPlainWs();
  wss.on('connection', (ws) => ws.on('message', () => ws.send('{"result":null,"id":1}')));
  const upstream = new WebSocket(
    `ws://127.0.0.1:${replayHub.port}/binance/stream?streams=${NATIVE.toLowerCase()}@trade`,
    { perMessageDeflate: false },
  );
  upstream.on('message', (raw: RawData) => {
    const { data: d } = JSON.parse(raw.toString()) as BinanceTradeFrame;
    if (d.e !== 'trade') return;
    const trade: Trade = {
      type: 'trade',
      exchange: 'binance',
      symbol: d.s.replace(/USDT$/, '/USDT'),
      timestamp: d.T,
      localTimestamp: Date.now(),
      id: String(d.t),
      price: Number(d.p),
      amount: Number(d.q),
      side: d.m ? 'sell' : 'buy',
    };
    const frame = JSON.stringify({ stream: STREAM, data: trade });
    for (const client of wss.clients) client.send(frame);
  });
  upstream.on('error', (err) => logger.warn({ err }, 'baseline relay upstream error'));
  try {
    await once(upstream, 'open');
    await waitForSubscriber(replayHub.endpoint, 0, 5000);
    const clients = new BenchClients(clientJob(`ws://127.0.0.1:${port}`, opts.clients));
    await clients.ready;
    const sink = new TimedSink(replayHub.hub);
    await replay(root, opts.speed, sink, logger);
    await waitUntilStable(clients, 300, 5000);
    return collect(sink.pushedAt, await clients.stop(), opts.clients);
  } finally {
    upstream.terminate();
    await closePlainWs(wss);
    await replayHub.hub.close();
  }
}

/** Two figures, p50 and p99 of every (trade, client) delivery, from the same two runs. */
export async function benchLatency(opts: LatencyBenchOptions): Promise<BenchFigure[]> {
  return withDataset(BINANCE, 'bench-latency', opts.minutes, async (root) => {
    const baseline = await measureBaseline(root, opts);
    const value = await measureTickstream(root, opts);
    const details = {
      clients: opts.clients,
      speed: opts.speed,
      marketMinutes: opts.minutes,
      warmupReplayMs: WARMUP_REPLAY_MS,
      trades: value.trades,
      deliveries: value.deliveries,
      expectedDeliveries: value.expected,
      baselineDeliveries: baseline.deliveries,
      baselineExpectedDeliveries: baseline.expected,
      p90Ms: round3(percentile(value.latenciesMs, 0.9)),
      baselineP90Ms: round3(percentile(baseline.latenciesMs, 0.9)),
      maxMs: round3(percentile(value.latenciesMs, 1)),
      baselineMaxMs: round3(percentile(baseline.latenciesMs, 1)),
      stream: STREAM,
    };
    const label = `(--speed ${opts.speed}, ${opts.clients} clients)`;
    return [0.5, 0.99].map((q) =>
      figure(
        `end-to-end latency p${Math.round(q * 100)} ${label}`,
        'ms',
        percentile(value.latenciesMs, q),
        percentile(baseline.latenciesMs, q),
        details,
        'lower',
      ),
    );
  });
}
