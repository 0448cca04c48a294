/**
 * Test helpers for the Binance replay endpoint: a hub on an ephemeral port (`useHub` gives a test
 * file one per test, cleaned up after each), a collecting `ws` client, and hand-built replay events
 * with real-shaped values. Test support only (excluded from the build).
 */
import { afterEach } from 'vitest';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { silentLogger } from '../../../core/logger.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';
import { createBinanceVenue, type BinanceVenue, type BinanceVenueOptions } from '../hub.js';
import type { BinanceLevel, BinanceRestDepth, BinanceTradeEvent } from '../wire.js';

export interface Harness {
  readonly hub: ReplayHub;
  readonly venue: BinanceVenue;
  readonly http: string;
  readonly ws: string;
  close(): Promise<void>;
}

/** Symbols a test hub replays unless told otherwise. */
export const HUB_SYMBOLS: readonly string[] = ['BTCUSDT', 'ETHUSDT'];

export async function startHub(opts: Partial<BinanceVenueOptions> = {}): Promise<Harness> {
  const logger = opts.logger ?? silentLogger();
  const venue = createBinanceVenue({ maxIncomingPerSecond: 10_000, symbols: HUB_SYMBOLS, ...opts, logger });
  const hub = new ReplayHub({ logger, venues: [venue] });
  const port = await hub.listen(0, '127.0.0.1');
  return {
    hub,
    venue,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () => hub.close(),
  };
}

export interface HubScope {
  /** Start this test's hub (`startHub`); the `afterEach` closes it. */
  start(opts?: Partial<BinanceVenueOptions>): Promise<Harness>;
  /** The running hub; throws when none was started. */
  harness(): Harness;
  /** Close the running hub now (the `afterEach` then has nothing to close). */
  stop(): Promise<void>;
  /** Open a `TestClient` on `path` of the running hub; the `afterEach` terminates it. */
  client(path: string, opts?: ClientOptions): Promise<TestClient>;
  /** Clients opened by `client` in this test, in order. */
  readonly clients: TestClient[];
}

/**
 * One hub per test, for a test file: call at module level. Registers an `afterEach` that
 * terminates every client opened through `client`, then closes the hub.
 */
export function useHub(): HubScope {
  let h: Harness | undefined;
  const clients: TestClient[] = [];
  const harness = (): Harness => {
    if (h === undefined) throw new Error('no hub started: call start() first');
    return h;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await h?.close();
    h = undefined;
  });

  return {
    async start(opts = {}) {
      h = await startHub(opts);
      return h;
    },
    harness,
    async stop() {
      await h?.close();
      h = undefined;
    },
    async client(path, opts = {}) {
      const c = await TestClient.open(`${harness().ws}${path}`, opts);
      clients.push(c);
      return c;
    },
    clients,
  };
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** A `ws` client that parses and keeps every text frame it receives. */
export class TestClient {
  readonly messages: unknown[] = [];
  /** The same frames as sent, for checks a double cannot make (64-bit ids). */
  readonly texts: string[] = [];
  readonly closed: Promise<CloseInfo>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      const text = String(data);
      this.texts.push(text);
      this.messages.push(JSON.parse(text));
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code: number, reason: Buffer) => {
        resolve({ code, reason: reason.toString() });
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      });
    });
    ws.on('error', () => undefined);
  }

  static open(url: string, opts: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, opts);
    const client = new TestClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves once `n` messages in total have arrived. */
  async count(n: number, timeoutMs = 5000): Promise<unknown[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < n) {
      if (this.ws.readyState === WebSocket.CLOSED)
        throw new Error(`closed with ${this.messages.length}/${n} messages`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.messages.length}/${n} messages`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.messages;
  }

  /** Send a request and resolve with the next message (its reply). */
  async request(msg: unknown): Promise<unknown> {
    const n = this.messages.length;
    this.send(msg);
    await this.count(n + 1);
    return this.messages[n];
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Status and JSON body of an upgrade the hub refuses (rejects if it is accepted). */
export function refusedUpgrade(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => reject(new Error(`upgrade to ${url} was accepted`)));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

// ---- replay events (BTCUSDT, 2024-ish values)

export const SYMBOL = 'BTCUSDT';
export const T0 = 1_717_000_000_000;

export function snapshotEvent(ts: number, book: BinanceRestDepth, symbol = SYMBOL): ReplayEvent {
  return { exchange: 'binance', symbol, ts, kind: 'book_snapshot', data: book };
}

export function updateEvent(
  ts: number,
  U: number,
  u: number,
  b: BinanceLevel[],
  a: BinanceLevel[],
  symbol = SYMBOL,
): ReplayEvent {
  return {
    exchange: 'binance',
    symbol,
    ts,
    kind: 'book_update',
    data: { e: 'depthUpdate', E: ts, s: symbol, U, u, b, a },
  };
}

export function tradeData(
  ts: number,
  t: number,
  p: string,
  q: string,
  m = false,
  symbol = SYMBOL,
): BinanceTradeEvent {
  return { e: 'trade', E: ts, s: symbol, t, p, q, T: ts, m, M: true };
}

export function tradeEvent(
  ts: number,
  t: number,
  p: string,
  q: string,
  m = false,
  symbol = SYMBOL,
): ReplayEvent {
  return { exchange: 'binance', symbol, ts, kind: 'trade', data: tradeData(ts, t, p, q, m, symbol) };
}

/** A 10-level-per-side book around 67000, lastUpdateId 1000. */
export function baseBook(lastUpdateId = 1000): BinanceRestDepth {
  const bids: BinanceLevel[] = [];
  const asks: BinanceLevel[] = [];
  for (let i = 0; i < 10; i++) {
    bids.push([(67000 - i * 0.5).toFixed(8), (0.1 + i * 0.01).toFixed(8)]);
    asks.push([(67000.5 + i * 0.5).toFixed(8), (0.2 + i * 0.01).toFixed(8)]);
  }
  return { lastUpdateId, bids, asks };
}

/** Deterministic pseudo-random diff `k` (levels set or removed near the top). */
export function randomDiff(k: number): { b: BinanceLevel[]; a: BinanceLevel[] } {
  let x = (k * 2654435761) >>> 0;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) >>> 0;
    return x / 2 ** 32;
  };
  const b: BinanceLevel[] = [];
  const a: BinanceLevel[] = [];
  for (let i = 0; i < 3; i++) {
    const qty = rnd() < 0.25 ? '0.00000000' : (rnd() * 2).toFixed(8);
    if (rnd() < 0.5) b.push([(67000 - Math.floor(rnd() * 12) * 0.5).toFixed(8), qty]);
    else a.push([(67000.5 + Math.floor(rnd() * 12) * 0.5).toFixed(8), qty]);
  }
  return { b, a };
}
