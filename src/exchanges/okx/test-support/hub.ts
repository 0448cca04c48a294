/**
 * A real replay hub on loopback with the OKX endpoint mounted (fed by replay events the tests
 * push), OKX replay events as the replay source emits them, and a v5 client that reads the hub's
 * frames in order. Test support only (excluded from the build).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../core/logger.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';
import { createOkxEndpoint, type OkxEndpointOptions } from '../endpoint.js';
import type { OkxBookEvent, OkxTradeEvent } from '../events.js';
import type { OkxLevel, OkxSide } from '../wire.js';

export interface RunningOkxHub {
  readonly hub: ReplayHub;
  /** `ws://127.0.0.1:<port>/okx/ws/v5/public`. */
  readonly publicUrl: string;
  /** `ws://127.0.0.1:<port>/okx/ws/v5/business`. */
  readonly businessUrl: string;
  /** `ws://127.0.0.1:<port>/okx`. */
  readonly wsBase: string;
  /** `http://127.0.0.1:<port>/okx`. */
  readonly restBase: string;
  push(...events: ReplayEvent[]): void;
  close(): Promise<void>;
}

/**
 * Starts a hub serving BTC-USDT and ETH-USDT. The 3-a-second request rule is off unless
 * `opts.rules` sets `maxIncoming` (the tests' `ping` barriers would count toward it).
 */
export async function startOkxHub(opts: Partial<OkxEndpointOptions> = {}): Promise<RunningOkxHub> {
  const endpoint = createOkxEndpoint({
    logger: silentLogger(),
    symbols: ['BTC-USDT', 'ETH-USDT'],
    ...opts,
    rules: { maxIncoming: 0, ...opts.rules },
  });
  const hub = new ReplayHub({ logger: silentLogger(), venues: [endpoint] });
  const port = await hub.listen(0);
  return {
    hub,
    publicUrl: `ws://127.0.0.1:${port}/okx/ws/v5/public`,
    businessUrl: `ws://127.0.0.1:${port}/okx/ws/v5/business`,
    wsBase: `ws://127.0.0.1:${port}/okx`,
    restBase: `http://127.0.0.1:${port}/okx`,
    push: (...events) => events.forEach((e) => hub.push(e)),
    close: () => hub.close(),
  };
}

export function okxTradeEvent(
  instId: string,
  tradeId: number,
  ts: number,
  px: string,
  sz: string,
  side: OkxSide = 'buy',
): ReplayEvent {
  const data: OkxTradeEvent = { instId, side, sz, px, tradeId: String(tradeId), ts: String(ts) };
  return { exchange: 'okx', symbol: instId, ts, kind: 'trade', data };
}

export function okxBookEvent(
  instId: string,
  ts: number,
  kind: 'book_snapshot' | 'book_update',
  bids: OkxLevel[],
  asks: OkxLevel[],
): ReplayEvent {
  const data: OkxBookEvent = { bids, asks, ts: String(ts) };
  return { exchange: 'okx', symbol: instId, ts, kind, data };
}

export type Frame = Record<string, unknown>;

/** A v5 client: every text frame kept in order, read with a cursor. */
export class OkxTestClient {
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(String(data));
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  static async connect(url: string): Promise<OkxTestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const client = new OkxTestClient(ws);
    await once(ws, 'open');
    return client;
  }

  send(request: unknown): void {
    this.ws.send(typeof request === 'string' ? request : JSON.stringify(request));
  }

  /** The next unread frame (text). */
  async nextText(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.frames.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no frame within ${timeoutMs} ms; read so far: ${this.frames.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.frames[this.cursor++];
  }

  async next(timeoutMs?: number): Promise<Frame> {
    return JSON.parse(await this.nextText(timeoutMs)) as Frame;
  }

  /** Sends `ping` and returns, parsed, every frame that arrived before its `pong`. */
  async barrier(): Promise<Frame[]> {
    this.send('ping');
    const before: Frame[] = [];
    for (;;) {
      const text = await this.nextText();
      if (text === 'pong') return before;
      before.push(JSON.parse(text) as Frame);
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
