/**
 * A real replay hub on loopback with the Kraken endpoint mounted, and a v2 client that reads its
 * frames in order. Test support only (excluded from the build).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../core/logger.js';
import { createKrakenEndpoint, type KrakenEndpointOptions } from '../endpoint.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';

export interface RunningKrakenHub {
  readonly hub: ReplayHub;
  /** `ws://127.0.0.1:<port>/kraken/v2`. */
  readonly wsUrl: string;
  /** `http://127.0.0.1:<port>/kraken`. */
  readonly restBase: string;
  push(...events: ReplayEvent[]): void;
  close(): Promise<void>;
}

export async function startKrakenHub(opts: Partial<KrakenEndpointOptions> = {}): Promise<RunningKrakenHub> {
  const endpoint = createKrakenEndpoint({ logger: silentLogger(), symbols: ['BTC/USD', 'ETH/USD'], ...opts });
  const hub = new ReplayHub({ logger: silentLogger(), venues: [endpoint] });
  const port = await hub.listen(0);
  return {
    hub,
    wsUrl: `ws://127.0.0.1:${port}/kraken/v2`,
    restBase: `http://127.0.0.1:${port}/kraken`,
    push: (...events) => events.forEach((e) => hub.push(e)),
    close: () => hub.close(),
  };
}

export type Frame = Record<string, unknown>;

/** A v2 client: every text frame kept in order, read with a cursor. */
export class KrakenTestClient {
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private nextReqId = 1_000_000;
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

  /** Connects and reads the status frame that opens every connection. */
  static async connect(url: string): Promise<KrakenTestClient> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const client = new KrakenTestClient(ws);
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

  /** Sends a ping and returns, as text, every frame that arrived before its pong. */
  async barrier(): Promise<string[]> {
    const reqId = this.nextReqId++;
    this.send({ method: 'ping', req_id: reqId });
    const before: string[] = [];
    for (;;) {
      const text = await this.nextText();
      const frame = JSON.parse(text) as Frame;
      if (frame.method === 'pong' && frame.req_id === reqId) return before;
      before.push(text);
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
