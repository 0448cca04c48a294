/**
 * A real replay hub on loopback with the OKX endpoint mounted (fed by replay events the tests
 * push), OKX replay events as the replay source emits them, and a v5 client that reads the hub's
 * frames in order. Test support only (excluded from the build).
 */
import { silentLogger } from '../../../core/logger.js';
import type { ReplayEvent } from '../../../replay/events.js';
import { ReplayHub } from '../../../replay/hub.js';
import { WsFrameReader, type Frame } from '../../../test-support/ws-frame-reader.js';
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

export type { Frame } from '../../../test-support/ws-frame-reader.js';

/** A v5 client: every text frame kept in order, read with a cursor. */
export class OkxTestClient extends WsFrameReader {
  static connect(url: string): Promise<OkxTestClient> {
    return WsFrameReader.open(url, (ws) => new OkxTestClient(ws));
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
}
