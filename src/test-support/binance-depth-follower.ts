/**
 * A plain Binance client keeping a local order book the way Binance documents it ("How to manage
 * a local order book correctly"): open the diff stream and buffer its events, fetch a REST
 * snapshot, drop buffered events with `u <= lastUpdateId`, apply the rest, each event's `U` being
 * the previous `u + 1`; on any gap, start over from a fresh snapshot. Written from the protocol,
 * not from Tickstream's own client, so a test can check the hub against an independent reader.
 * Test support only (excluded from the build).
 */
import { WebSocket } from 'ws';

interface DiffEvent {
  readonly U: number;
  readonly u: number;
  readonly b: readonly [string, string][];
  readonly a: readonly [string, string][];
}

export interface DepthBook {
  readonly lastUpdateId: number;
  /** [price, quantity] as numbers, best first. */
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

/** A REST depth answer as numbers, best first. */
export function depthOf(body: {
  lastUpdateId: number;
  bids: readonly [string, string][];
  asks: readonly [string, string][];
}): DepthBook {
  const levels = (side: readonly [string, string][]): [number, number][] =>
    side.map(([p, q]) => [Number(p), Number(q)]);
  return { lastUpdateId: body.lastUpdateId, bids: levels(body.bids), asks: levels(body.asks) };
}

export class BinanceDepthFollower {
  /** Snapshots fetched (the first sync included). */
  resyncs = 0;
  /** Gaps seen in the diff stream. */
  gaps = 0;
  private synced = false;
  private fetching = false;
  private closed = false;
  private lastUpdateId = 0;
  private buffered: DiffEvent[] = [];
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private readonly ws: WebSocket;

  /** `base` is the hub's origin (`127.0.0.1:3100`); `symbol` the native one (`BTCUSDT`). */
  constructor(
    private readonly base: string,
    private readonly symbol: string,
  ) {
    this.ws = new WebSocket(`ws://${base}/binance/stream?streams=${symbol.toLowerCase()}@depth@100ms`);
    this.ws.on('message', (data) => this.onEvent((JSON.parse(String(data)) as { data: DiffEvent }).data));
    this.ws.on('error', () => undefined);
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** The local book, or undefined while it is not in sync. */
  book(): DepthBook | undefined {
    if (!this.synced) return undefined;
    const side = (m: Map<number, number>, desc: boolean): [number, number][] =>
      [...m].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0]));
    return { lastUpdateId: this.lastUpdateId, bids: side(this.bids, true), asks: side(this.asks, false) };
  }

  close(): void {
    this.closed = true;
    this.ws.terminate();
  }

  private onEvent(event: DiffEvent): void {
    if (!this.synced) {
      this.buffered.push(event);
      void this.resync();
      return;
    }
    if (event.u <= this.lastUpdateId) return;
    if (event.U !== this.lastUpdateId + 1) {
      this.gaps++;
      this.synced = false;
      this.buffered = [event];
      void this.resync();
      return;
    }
    this.apply(event);
  }

  private async resync(): Promise<void> {
    if (this.fetching || this.closed) return;
    this.fetching = true;
    try {
      for (;;) {
        const answer = await this.fetchDepth();
        if (this.closed) return;
        if (answer === undefined) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        const { res, body } = answer;
        this.resyncs++;
        const first = this.buffered[0];
        // A snapshot older than the first buffered event cannot be continued: fetch again.
        if (res.ok && first !== undefined && body.lastUpdateId + 1 >= first.U) {
          this.load(body);
          // A gap among the buffered events unsynced it again: another snapshot.
          if (this.synced) return;
          continue;
        }
        await new Promise((r) => setTimeout(r, 50));
        if (this.closed) return;
      }
    } finally {
      this.fetching = false;
    }
  }

  /** The hub's depth answer; undefined when the hub cannot be reached (restarting). */
  private async fetchDepth(): Promise<{ res: Response; body: Parameters<typeof depthOf>[0] } | undefined> {
    try {
      const res = await fetch(`http://${this.base}/binance/api/v3/depth?symbol=${this.symbol}&limit=1000`);
      return { res, body: (await res.json()) as Parameters<typeof depthOf>[0] };
    } catch {
      return undefined;
    }
  }

  private load(body: Parameters<typeof depthOf>[0]): void {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of body.bids) this.bids.set(Number(p), Number(q));
    for (const [p, q] of body.asks) this.asks.set(Number(p), Number(q));
    this.lastUpdateId = body.lastUpdateId;
    this.synced = true;
    const pending = this.buffered;
    this.buffered = [];
    for (const event of pending) {
      if (!this.synced) this.buffered.push(event);
      else this.onEvent(event);
    }
  }

  private apply(event: DiffEvent): void {
    for (const [p, q] of event.b) this.level(this.bids, p, q);
    for (const [p, q] of event.a) this.level(this.asks, p, q);
    this.lastUpdateId = event.u;
  }

  private level(side: Map<number, number>, price: string, qty: string): void {
    const q = Number(qty);
    if (q === 0) side.delete(Number(price));
    else side.set(Number(price), q);
  }
}
