/**
 * A real replay hub on loopback with the Alpaca endpoint mounted (fed by replay events the tests
 * push), Alpaca replay events in the replay source's shapes (events.ts), and a stream client
 * speaking JSON or MessagePack that reads the hub's frames in order, each decoded into its array
 * of messages. Test support only (excluded from the build).
 */
import { once } from 'node:events';
import { ExtensionCodec, decode, encode } from '@msgpack/msgpack';
import { decodeTimestampToTimeSpec } from '@msgpack/msgpack';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../core/logger.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';
import { formatTimeSpec, rfc3339Millis } from '../encoder.js';
import { createAlpacaEndpoint, type AlpacaEndpointOptions } from '../endpoint.js';
import type { AlpacaBarEvent, AlpacaQuoteEvent, AlpacaTradeEvent } from '../events.js';

export interface RunningAlpacaHub {
  readonly hub: ReplayHub;
  /** `ws://127.0.0.1:<port>/alpaca`. */
  readonly wsBase: string;
  /** `http://127.0.0.1:<port>/alpaca`. */
  readonly restBase: string;
  push(...events: ReplayEvent[]): void;
  advanceTo(ts: number): void;
  close(): Promise<void>;
}

/** Starts a hub serving AAPL and MSFT (AAPL is FAKEPACA's source). */
export async function startAlpacaHub(
  opts: Partial<AlpacaEndpointOptions> & { readonly port?: number } = {},
): Promise<RunningAlpacaHub> {
  const { port: wanted, ...endpointOpts } = opts;
  const endpoint = createAlpacaEndpoint({
    logger: silentLogger(),
    symbols: ['AAPL', 'MSFT'],
    ...endpointOpts,
  });
  const hub = new ReplayHub({ logger: silentLogger(), venues: [endpoint] });
  const port = await hub.listen(wanted ?? 0);
  return {
    hub,
    wsBase: `ws://127.0.0.1:${port}/alpaca`,
    restBase: `http://127.0.0.1:${port}/alpaca`,
    push: (...events) => events.forEach((e) => hub.push(e)),
    advanceTo: (ts) => hub.advanceTo(ts),
    close: () => hub.close(),
  };
}

export function alpacaTrade(
  symbol: string,
  t: string,
  p: number,
  s: number,
  i: number,
  at?: number,
): ReplayEvent {
  const data: AlpacaTradeEvent = { t, x: 'V', p, s, c: ['@'], i, z: 'C' };
  return { exchange: 'alpaca', symbol, ts: at ?? rfc3339Millis(t), kind: 'trade', data };
}

export function alpacaQuote(symbol: string, t: string, bp: number, ap: number): ReplayEvent {
  const data: AlpacaQuoteEvent = { t, ax: 'V', ap, as: 2, bx: 'V', bp, bs: 3, c: ['R'], z: 'C' };
  return { exchange: 'alpaca', symbol, ts: rfc3339Millis(t), kind: 'quote', data };
}

/** A minute bar event, at the end of its minute as the replay source sends it. */
export function alpacaBar(
  symbol: string,
  t: string,
  o: number,
  h: number,
  l: number,
  c: number,
  v: number,
): ReplayEvent {
  const data: AlpacaBarEvent = { t, o, h, l, c, v, n: 10, vw: (o + c) / 2 };
  return { exchange: 'alpaca', symbol, ts: rfc3339Millis(t) + 60_000, kind: 'bar', data };
}

export type Message = Record<string, unknown>;

/** Decodes MessagePack timestamps to RFC3339 text (ns kept), so both encodings compare equal. */
const textTimes = new ExtensionCodec();
textTimes.register({
  type: -1,
  encode: () => null,
  decode: (data: Uint8Array) => formatTimeSpec(decodeTimestampToTimeSpec(data)),
});

export interface ClientOptions {
  readonly msgpack?: boolean;
  readonly headers?: Record<string, string>;
}

/** A stream client: every frame kept (raw and decoded), read with a cursor. */
export class AlpacaTestClient {
  readonly raw: Buffer[] = [];
  readonly binary: boolean[] = [];
  readonly frames: Message[][] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    readonly msgpack: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary) => {
      this.raw.push(data);
      this.binary.push(isBinary);
      const value = isBinary
        ? decode(data, { extensionCodec: textTimes })
        : (JSON.parse(String(data)) as unknown);
      this.frames.push(value as Message[]);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  static async connect(url: string, opts: ClientOptions = {}): Promise<AlpacaTestClient> {
    const headers = { ...opts.headers, ...(opts.msgpack ? { 'Content-Type': 'application/msgpack' } : {}) };
    const ws = new WebSocket(url, { perMessageDeflate: false, headers });
    const client = new AlpacaTestClient(ws, opts.msgpack ?? false);
    await once(ws, 'open');
    return client;
  }

  /** Connects, reads `connected`, authenticates with demo/demo and reads `authenticated`. */
  static async authed(url: string, opts: ClientOptions = {}): Promise<AlpacaTestClient> {
    const c = await AlpacaTestClient.connect(url, opts);
    await c.next();
    c.send({ action: 'auth', key: 'demo', secret: 'demo' });
    const reply = await c.next();
    if (reply[0]?.msg !== 'authenticated') throw new Error(`auth failed: ${JSON.stringify(reply)}`);
    return c;
  }

  /** Sends `value` in the session's encoding (a string as it is, as text). */
  send(value: unknown): void {
    if (typeof value === 'string') this.ws.send(value);
    else if (this.msgpack) this.ws.send(encode(value));
    else this.ws.send(JSON.stringify(value));
  }

  /** The next unread frame's messages. */
  async next(timeoutMs = 3000): Promise<Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor >= this.frames.length) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no frame within ${timeoutMs} ms; read so far: ${JSON.stringify(this.frames)}`);
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

  /** Frames received and not read yet. */
  get unread(): number {
    return this.frames.length - this.cursor;
  }

  /** Frames until `n` messages in all were read. */
  async messages(n: number): Promise<Message[]> {
    const out: Message[] = [];
    while (out.length < n) out.push(...(await this.next()));
    return out;
  }

  /** Subscribes and returns the `subscription` reply. */
  async subscribe(lists: Record<string, string[]>, action = 'subscribe'): Promise<Message> {
    this.send({ action, ...lists });
    const [reply] = await this.next();
    return reply;
  }

  close(): void {
    this.ws.terminate();
  }
}
