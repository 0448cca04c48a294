/**
 * Test support for the replay process tests: plain venue clients that record the trade ids
 * they receive per symbol, the ids the recordings hold (read straight from the venue's source),
 * and the comparison "every id, in order, no gap, how many repeats".
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { silentLogger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { venueFor } from '../exchanges/index.js';

/** Trade ids received per native symbol, in arrival order. */
export class TradeTapeClient {
  readonly ids = new Map<string, number[]>();
  /** Every trade received, in arrival order. */
  readonly arrivals: Array<{ symbol: string; id: number }> = [];
  closedEarly = false;
  private constructor(readonly ws: WebSocket) {}

  /** Binance combined `@trade` streams of `symbols` (native). */
  static async binance(port: number, symbols: readonly string[]): Promise<TradeTapeClient> {
    const streams = symbols.map((s) => `${s.toLowerCase()}@trade`).join('/');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/binance/stream?streams=${streams}`);
    const client = new TradeTapeClient(ws);
    ws.on('message', (raw) => {
      const { data } = JSON.parse(String(raw)) as { data?: { e?: string; s: string; t: number } };
      if (data?.e === 'trade') client.add(data.s, data.t);
    });
    await client.opened();
    return client;
  }

  /** Kraken v2 `trade` updates of `symbols` (native); the subscribe snapshot is not counted. */
  static async kraken(port: number, symbols: readonly string[]): Promise<TradeTapeClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/kraken/v2`);
    const client = new TradeTapeClient(ws);
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as {
        channel?: string;
        type?: string;
        data?: Array<{ symbol: string; trade_id: number }>;
      };
      if (m.channel === 'trade' && m.type === 'update')
        for (const t of m.data ?? []) client.add(t.symbol, t.trade_id);
    });
    await client.opened();
    ws.send(JSON.stringify({ method: 'subscribe', params: { channel: 'trade', symbol: [...symbols] } }));
    return client;
  }

  count(): number {
    let n = 0;
    for (const list of this.ids.values()) n += list.length;
    return n;
  }

  close(): void {
    this.ws.close();
  }

  private add(symbol: string, id: number): void {
    this.arrivals.push({ symbol, id });
    let list = this.ids.get(symbol);
    if (list === undefined) this.ids.set(symbol, (list = []));
    list.push(id);
  }

  private async opened(): Promise<void> {
    this.ws.on('close', () => (this.closedEarly = true));
    await once(this.ws, 'open');
  }
}

/** The trade ids of one pass of `exchange`'s recordings under `root`, per native symbol. */
export async function recordedTradeIds(root: string, exchange: Exchange): Promise<Map<string, number[]>> {
  const source = await venueFor(exchange).openSource(root, silentLogger());
  const out = new Map<string, number[]>();
  for await (const event of source.pass(0, 0)) {
    if (event.kind !== 'trade') continue;
    const data = event.data as { t?: number; tradeId?: number };
    const id = data.t ?? data.tradeId;
    if (typeof id !== 'number') throw new Error(`no trade id in ${JSON.stringify(event.data)}`);
    let list = out.get(event.symbol);
    if (list === undefined) out.set(event.symbol, (list = []));
    list.push(id);
  }
  return out;
}

export interface TapeCheck {
  /** Ids received once at least, in the order first received. */
  readonly firsts: number[];
  /** Receipts of an id already received. */
  readonly repeats: number;
  /** The longest run of consecutive repeats. */
  readonly longestRepeatRun: number;
}

/**
 * Repeats (trades received before, of any symbol) in each stretch of `arrivals` between the
 * indexes in `marks` (e.g. where each crash happened): what each crash made the publisher repeat.
 */
export function repeatsBetween(
  arrivals: ReadonlyArray<{ symbol: string; id: number }>,
  marks: readonly number[],
): number[] {
  const seen = new Set<string>();
  const out = new Array<number>(marks.length + 1).fill(0);
  let stretch = 0;
  for (let i = 0; i < arrivals.length; i++) {
    while (stretch < marks.length && i >= marks[stretch]) stretch++;
    const key = `${arrivals[i].symbol} ${arrivals[i].id}`;
    if (seen.has(key)) out[stretch]++;
    else seen.add(key);
  }
  return out;
}

/** Splits a received id list into first receipts and repeats. */
export function checkTape(received: readonly number[]): TapeCheck {
  const seen = new Set<number>();
  const firsts: number[] = [];
  let repeats = 0;
  let run = 0;
  let longest = 0;
  for (const id of received) {
    if (seen.has(id)) {
      repeats++;
      longest = Math.max(longest, ++run);
    } else {
      seen.add(id);
      firsts.push(id);
      run = 0;
    }
  }
  return { firsts, repeats, longestRepeatRun: longest };
}
