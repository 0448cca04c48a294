/**
 * The hub restarted mid-replay, with a real publisher process (publisher-main under tsx) replaying
 * a small generated Binance dataset at --speed 20 over the link. The hub lives in this process
 * (a ReplayHub with the Binance endpoint and a LinkReceiver with a known token) on a fixed port;
 * it is closed mid-replay and a new one started on the same port. Plain `ws` consumers record
 * trade ids on each hub; an independent depth client follows each book.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../core/logger.js';
import { venueFor } from '../../exchanges/index.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { BinanceDepthFollower, depthOf, type DepthBook } from '../../test-support/binance-depth-follower.js';
import { until } from '../../test-support/until.js';
import { ReplayHub, type VenueEndpoint } from '../hub.js';
import { EXIT_GAVE_UP, PUBLISHER_ENV, type PublisherSettings } from '../publisher-process.js';
import type { BufferLimits, OverflowPolicy } from './bounded-buffer.js';
import { LinkReceiver } from './link-receiver.js';
import { LINK_PATH_PREFIX, type PublisherState } from './link-wire.js';

const PUBLISHER_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'publisher-main.ts');
const TOKEN = 'hub-restart-test-token';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const TRADES = 'api_v3_historicalTrades';
const DEPTH = 'api_v3_depth';
const OUTAGE_MS = 1000;
const BIG: BufferLimits = { maxMessages: 100_000, maxBytes: 64 << 20 };
const SMALL: BufferLimits = { maxMessages: 30, maxBytes: 64 << 20 };

let temp: string;
/** Trades and depth of both symbols, one minute. */
let fullRoot: string;
/** The same trades without depth: every message a drop can hit is a trade. */
let tradesRoot: string;
/** Every recorded trade id per symbol, ascending. */
const recordedIds = new Map<string, number[]>();
/** The last recorded depth snapshot per symbol: where every replayed book must end. */
const lastDepth = new Map<string, DepthBook>();

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'tickstream-hub-restart-'));
  fullRoot = join(temp, 'full');
  tradesRoot = join(temp, 'trades');
  await venueFor('binance').generate({
    root: fullRoot,
    seed: 'hub-restart',
    startMs: Date.UTC(2026, 0, 5, 14),
    minutes: 1,
    symbols: ['BTC/USDT', 'ETH/USDT'],
  });
  await cp(join(fullRoot, 'binance', TRADES), join(tradesRoot, 'binance', TRADES), { recursive: true });
  for (const symbol of SYMBOLS) {
    const ids = new Set<number>();
    const trades = await listRecordingFiles(fullRoot, 'binance', TRADES, symbol);
    for await (const { record } of readRecords<{ id: number }[]>(trades))
      for (const t of record.data) ids.add(t.id);
    recordedIds.set(
      symbol,
      [...ids].sort((a, b) => a - b),
    );
    const depth = await listRecordingFiles(fullRoot, 'binance', DEPTH, symbol);
    for await (const { record } of readRecords<Parameters<typeof depthOf>[0]>(depth))
      lastDepth.set(symbol, depthOf(record.data));
  }
}, 60_000);
afterAll(() => rm(temp, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A hub in this process: the Binance endpoint, and links taken once `acceptLinks()` was called. */
class TestHub {
  readonly receiver: LinkReceiver;

  private constructor(
    readonly hub: ReplayHub,
    readonly venue: VenueEndpoint,
    readonly base: string,
  ) {
    this.receiver = new LinkReceiver({
      sink: hub,
      logger: silentLogger(),
      token: TOKEN,
      // As the shipped layout tells: a hub that replayed nothing yet holds no books.
      hasState: () => venue.stats().replayTime !== null,
    });
  }

  static async start(port: number): Promise<TestHub> {
    const logger = silentLogger();
    const venue = venueFor('binance').createEndpoint({ logger, symbols: SYMBOLS });
    const hub = new ReplayHub({ logger, venues: [venue] });
    await hub.listen(port, '127.0.0.1');
    return new TestHub(hub, venue, `127.0.0.1:${port}`);
  }

  /** Trades the hub pushed to its Binance endpoint. */
  trades(): number {
    return this.venue.stats().counters.trades ?? 0;
  }

  acceptLinks(): void {
    this.hub.setUpgradeHandler((req, socket, head, path, query) =>
      this.receiver.handleUpgrade(req, socket, head, path, query),
    );
  }

  state(): PublisherState | undefined {
    return this.receiver.states().get('binance');
  }

  async close(): Promise<void> {
    await this.receiver.close();
    await this.hub.close();
  }
}

/** A plain consumer of both symbols' trade streams: the ids it saw, per symbol, in order. */
class TradeConsumer {
  readonly ids = new Map<string, number[]>(SYMBOLS.map((s) => [s, []]));
  private readonly ws: WebSocket;

  constructor(base: string) {
    const streams = SYMBOLS.map((s) => `${s.toLowerCase()}@trade`).join('/');
    this.ws = new WebSocket(`ws://${base}/binance/stream?streams=${streams}`);
    this.ws.on('message', (data) => {
      const { data: trade } = JSON.parse(String(data)) as { data: { s: string; t: number } };
      this.ids.get(trade.s)?.push(trade.t);
    });
    this.ws.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  get count(): number {
    let n = 0;
    for (const ids of this.ids.values()) n += ids.length;
    return n;
  }

  close(): void {
    this.ws.terminate();
  }
}

function settings(
  port: number,
  root: string,
  policy: OverflowPolicy,
  reconnectBuffer: BufferLimits,
  maxRetries?: number,
): PublisherSettings {
  return {
    exchange: 'binance',
    dataDir: root,
    linkUrl: `ws://127.0.0.1:${port}${LINK_PATH_PREFIX}binance?token=${TOKEN}`,
    speed: 20,
    loop: false,
    paused: false,
    startFrom: 'beginning',
    reset: false,
    checkpointEvery: 1000,
    checkpointMs: 1000,
    policy,
    transformBuffer: { maxMessages: 1000, maxBytes: 4 << 20 },
    sendBuffer: BIG,
    reconnectBuffer,
    backoffMs: 100,
    maxBackoffMs: 200,
    maxRetries,
    statusMs: 100,
    logEveryMs: 60_000,
    logLevel: 'warn',
  };
}

interface Publisher {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Everything it logged (pino JSON on stdout, anything on stderr). */
  output(): string;
}

function forkPublisher(s: PublisherSettings): Publisher {
  const child = fork(PUBLISHER_MAIN, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, [PUBLISHER_ENV]: JSON.stringify(s) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, exited, output: () => out };
}

/** Resolves with the exit code, or kills the child and throws after `ms`. */
async function exitWithin(p: Publisher, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.child.kill('SIGKILL');
      reject(new Error(`publisher did not exit within ${ms} ms; its output:\n${p.output()}`));
    }, ms);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface RestartRun {
  readonly before: TradeConsumer;
  readonly after: TradeConsumer;
  readonly state: PublisherState;
  /** Per symbol: the depth client's book on the new hub, and the new hub's own REST depth. */
  readonly books: Map<string, { follower: DepthBook | undefined; hub: DepthBook }>;
}

/**
 * Replays `root` through a publisher process; once a quarter of the trades reached the first hub,
 * that hub goes away for OUTAGE_MS and a new one takes its port. Returns what each side saw.
 */
async function replayAcrossRestart(
  root: string,
  policy: OverflowPolicy,
  reconnectBuffer: BufferLimits,
  withBooks: boolean,
): Promise<RestartRun> {
  const port = await freePort();
  const total = [...recordedIds.values()].reduce((n, ids) => n + ids.length, 0);
  const first = await TestHub.start(port);
  const before = new TradeConsumer(first.base);
  await before.opened();
  first.acceptLinks();
  const publisher = forkPublisher(settings(port, root, policy, reconnectBuffer));
  let second: TestHub | undefined;
  let after: TradeConsumer | undefined;
  const followers: BinanceDepthFollower[] = [];
  try {
    await until(() => before.count >= total / 4, 20_000, `a quarter of the trades on the first hub`);
    // The links go first; the consumers then get everything the hub took in before it closes.
    await first.receiver.close();
    await until(() => before.count === first.trades(), 5000, 'the first consumer to catch up');
    await first.close();
    before.close();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));

    second = await TestHub.start(port);
    after = new TradeConsumer(second.base);
    await after.opened();
    if (withBooks) {
      for (const symbol of SYMBOLS) followers.push(new BinanceDepthFollower(second.base, symbol));
      await Promise.all(followers.map((f) => f.opened()));
    }
    second.acceptLinks();
    const code = await exitWithin(publisher, 30_000);
    expect(code, publisher.output()).toBe(0);
    const hub = second;
    await until(() => (after as TradeConsumer).count === hub.trades(), 5000, 'the second consumer');
    const state = hub.state();
    if (state === undefined) throw new Error('the publisher never reported to the second hub');
    const books = new Map<string, { follower: DepthBook | undefined; hub: DepthBook }>();
    for (const [i, symbol] of (withBooks ? SYMBOLS : []).entries()) {
      const rest = async () => {
        const res = await fetch(`http://${hub.base}/binance/api/v3/depth?symbol=${symbol}&limit=1000`);
        return depthOf((await res.json()) as Parameters<typeof depthOf>[0]);
      };
      const want = await rest();
      const follower = followers[i];
      await until(
        () => follower.book()?.lastUpdateId === want.lastUpdateId,
        5000,
        `the ${symbol} depth client to reach lastUpdateId ${want.lastUpdateId}`,
      ).catch(() => undefined);
      books.set(symbol, { follower: follower.book(), hub: want });
    }
    return { before, after, state, books };
  } finally {
    for (const f of followers) f.close();
    after?.close();
    if (publisher.child.exitCode === null) publisher.child.kill('SIGKILL');
    await second?.close();
    await first.close();
  }
}

/** Each symbol's ids, old hub then new: the exact list a consumer across the restart saw. */
function idsAcross(run: RestartRun): Map<string, number[]> {
  return new Map(
    SYMBOLS.map((s) => [s, [...(run.before.ids.get(s) ?? []), ...(run.after.ids.get(s) ?? [])]]),
  );
}

/** What `seen` lacks of the recorded ids, what it holds twice, and where it goes backwards. */
function deliveryOf(seen: readonly number[], recorded: readonly number[]) {
  const seenSet = new Set(seen);
  return {
    missing: recorded.filter((id) => !seenSet.has(id)),
    repeated: seen.filter((id, i) => seen.indexOf(id) !== i),
    backwards: seen.filter((id, i) => i > 0 && id < seen[i - 1]),
  };
}

/**
 * Drops per symbol, all reasons. `increments: false` leaves out the book increments a new hub
 * cannot apply (dropped on purpose, the book going on from a snapshot).
 */
function dropsBySymbol(state: PublisherState, increments = true): Map<string, number> {
  const out = new Map<string, number>(SYMBOLS.map((s) => [s, 0]));
  for (const [reason, bySymbol] of Object.entries(state.drops))
    if (increments || reason !== 'increment-dropped')
      for (const [symbol, n] of Object.entries(bySymbol ?? {})) out.set(symbol, (out.get(symbol) ?? 0) + n);
  return out;
}

function expectBooksValid(run: RestartRun): void {
  for (const symbol of SYMBOLS) {
    const book = run.books.get(symbol);
    // The hub's own book ends where the recordings end, and the client's equals it.
    expect(book?.hub, `${symbol}: the new hub's REST depth`).toEqual(lastDepth.get(symbol));
    expect(book?.follower, `${symbol}: the depth client's book`).toEqual(book?.hub);
  }
}

describe('hub restarted mid-replay', () => {
  it('with room in the reconnection buffer, every trade id arrives exactly once across the outage', async () => {
    const run = await replayAcrossRestart(fullRoot, 'drop-oldest', BIG, true);
    const across = idsAcross(run);
    for (const symbol of SYMBOLS) {
      const before = run.before.ids.get(symbol) ?? [];
      const after = run.after.ids.get(symbol) ?? [];
      expect(before.length, `${symbol} before the restart`).toBeGreaterThan(0);
      expect(after.length, `${symbol} after the restart`).toBeGreaterThan(0);
      // The new hub's consumer goes on right where the old one stopped.
      expect(after[0]).toBe(before[before.length - 1] + 1);
      expect(deliveryOf(across.get(symbol) ?? [], recordedIds.get(symbol) ?? []), symbol).toEqual({
        missing: [],
        repeated: [],
        backwards: [],
      });
    }
    expect(dropsBySymbol(run.state, false)).toEqual(new Map(SYMBOLS.map((s) => [s, 0])));
    expectBooksValid(run);
  }, 60_000);

  it('beyond the reconnection buffer (drop-oldest), the drop counter equals the trade ids missing', async () => {
    const run = await replayAcrossRestart(tradesRoot, 'drop-oldest', SMALL, false);
    const across = idsAcross(run);
    const drops = dropsBySymbol(run.state);
    let missingTotal = 0;
    for (const symbol of SYMBOLS) {
      const { missing, repeated, backwards } = deliveryOf(
        across.get(symbol) ?? [],
        recordedIds.get(symbol) ?? [],
      );
      expect({ repeated, backwards }, symbol).toEqual({ repeated: [], backwards: [] });
      expect(drops.get(symbol), `${symbol}: drops counted`).toBe(missing.length);
      missingTotal += missing.length;
    }
    // The outage outlasted the buffer: something really was dropped.
    expect(missingTotal).toBeGreaterThan(0);
  }, 60_000);

  for (const policy of ['drop-oldest', 'priority', 'rate-adaptive'] as const) {
    it(`books stay valid under ${policy} with a small reconnection buffer`, async () => {
      const run = await replayAcrossRestart(fullRoot, policy, SMALL, true);
      expectBooksValid(run);
      if (policy === 'rate-adaptive') {
        // Nothing dropped but increments the new hub could not apply: the replay waited for the link.
        expect(dropsBySymbol(run.state, false)).toEqual(new Map(SYMBOLS.map((s) => [s, 0])));
        for (const [symbol, seen] of idsAcross(run))
          expect(deliveryOf(seen, recordedIds.get(symbol) ?? []), symbol).toEqual({
            missing: [],
            repeated: [],
            backwards: [],
          });
      }
    }, 60_000);
  }

  it('a publisher whose hub never comes gives up after maxRetries and exits with code 3', async () => {
    const port = await freePort();
    const publisher = forkPublisher(settings(port, tradesRoot, 'drop-oldest', SMALL, 2));
    const code = await exitWithin(publisher, 20_000);
    expect(code).toBe(EXIT_GAVE_UP);
    expect(publisher.output()).toContain('link: giving up on the hub');
  }, 30_000);
});
