/**
 * A real replay hub on loopback with the Kraken endpoint mounted, and a v2 client that reads its
 * frames in order. Test support only (excluded from the build).
 */
import { silentLogger } from '../../../core/logger.js';
import { createKrakenEndpoint, type KrakenEndpointOptions } from '../endpoint.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';
import { WsFrameReader, type Frame } from '../../../test-support/ws-frame-reader.js';

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

export type { Frame } from '../../../test-support/ws-frame-reader.js';

/** A v2 client: every text frame kept in order, read with a cursor. */
export class KrakenTestClient extends WsFrameReader {
  private nextReqId = 1_000_000;

  static connect(url: string): Promise<KrakenTestClient> {
    return WsFrameReader.open(url, (ws) => new KrakenTestClient(ws));
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
}
