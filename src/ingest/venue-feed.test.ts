/**
 * The generic feed over a toy venue declared in this file (a `FeedSpec` of data and pure
 * functions, with the toy book rule of test-support/toy-book.ts) against a real WebSocket
 * server on loopback that answers subscriptions with acks and book snapshots, as Kraken and OKX do.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { DecodeError } from '../core/errors.js';
import type { NormalizedMessage, Status } from '../core/types.js';
import { until } from '../test-support/until.js';
import { LOG_LEVEL, captureLogs, type LogLine } from '../test-support/log-capture.js';
import { closeWsServer } from '../test-support/ws-server.js';
import {
  TOY_EXCHANGE,
  ToyStream,
  numericLevels,
  toySeqRule,
  type SeqEvent,
  type TextSide,
} from '../test-support/toy-book.js';
import type { FeedSpec } from './feed-spec.js';
import { createVenueFeed, type VenueFeed } from './venue-feed.js';

type ToyChannel = 'trade' | 'book' | 'ticker';

interface ToyRequest {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly channel: ToyChannel;
  readonly symbols: string[];
  readonly id: number;
}

const textSide = (v: unknown): TextSide => {
  if (!Array.isArray(v)) throw new DecodeError('toy: levels are not an array');
  return v as TextSide;
};

/** The toy venue: `AAA-USD` natively, one channel per control message, at most 2 symbols each. */
function toySpec(url: string, withBook = true): FeedSpec<SeqEvent, ToyChannel> {
  return {
    exchange: TOY_EXCHANGE,
    url,
    heartbeat: { kind: 'server' },
    symbols: {
      toNative: (s) => s.replace('/', '-'),
      toCanonical: (s) => s.replace('-', '/'),
    },
    channels: ['trade', 'book', 'ticker'],
    requests: { maxPerMessage: 2, oneChannelPerMessage: true },
    controlMessage: (op, subs, id) =>
      JSON.stringify({ op, channel: subs[0].channel, symbols: subs.map((s) => s.native), id }),
    decode(frame, ts, sink) {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(frame) as Record<string, unknown>;
      } catch (err) {
        throw new DecodeError('toy: bad JSON', { cause: err });
      }
      if (typeof m.ack === 'number') return sink.reply({ ok: true, id: m.ack });
      if (typeof m.error === 'string') {
        return sink.reply({ ok: false, id: m.id as number, code: m.code as number, message: m.error });
      }
      const symbol = String(m.sym).replace('-', '/');
      const base = { exchange: TOY_EXCHANGE, symbol, timestamp: Number(m.ts), localTimestamp: ts };
      if (m.ch === 'book') {
        const bids = textSide(m.bids);
        const asks = textSide(m.asks);
        const seq = Number(m.seq);
        const change = {
          ...base,
          type: 'book_change' as const,
          bids: numericLevels(bids),
          asks: numericLevels(asks),
          sequence: seq,
          isSnapshot: m.snap === true,
        };
        return sink.book({ change, seq, prev: Number(m.prev), checksum: Number(m.cs), wire: { bids, asks } });
      }
      if (m.ch === 'notice') {
        for (const symbol of sink.subscribed()) {
          sink.message({ ...base, symbol, type: 'status', state: 'stale', reason: String(m.text) });
        }
        return;
      }
      if (m.ch === 'trade') {
        return sink.message({ ...base, type: 'trade', id: String(m.id), price: 1, amount: 1, side: 'buy' });
      }
      if (m.ch === 'bbo') {
        return sink.message({ ...base, type: 'quote', bid: 1, bidSize: 1, ask: 2, askSize: 1, mid: 1.5 });
      }
      if (m.ch === 'ticker') {
        const [bid, ask] = m.bbo as [number, number];
        // prettier-ignore
        return sink.message({ ...base, type: 'ticker', last: bid, bid, ask, bidSize: 1, askSize: 1, volume24h: 1, change24hPct: 0 });
      }
      throw new DecodeError(`toy: unknown channel ${String(m.ch)}`);
    },
    book: withBook
      ? { rule: toySeqRule, channel: 'book', resyncRate: { perSecond: 50, burst: 5 } }
      : undefined,
  };
}

/** The toy exchange: acks every request, answers each book subscription with a snapshot per symbol. */
class ToyVenue {
  readonly requests: Array<ToyRequest & { conn: number }> = [];
  readonly streams = new Map<string, ToyStream>();
  /** Request ids to reject. */
  readonly reject = new Set<number>();
  private readonly sockets = new Set<WebSocket>();
  private connections = 0;
  private nextSeq = 100;

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws) => this.onSocket(ws));
  }

  static async start(): Promise<ToyVenue> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new ToyVenue(http, wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/v1`;
  }

  send(frame: object): void {
    for (const ws of this.sockets) ws.send(JSON.stringify(frame));
  }

  /** Push a book event of the toy stream of `native`. */
  book(native: string, e: SeqEvent): void {
    this.send({
      ch: 'book',
      sym: native,
      snap: e.change.isSnapshot,
      seq: e.seq,
      prev: e.prev,
      ts: e.change.timestamp,
      bids: e.wire.bids,
      asks: e.wire.asks,
      cs: e.checksum,
    });
  }

  stream(native: string): ToyStream {
    let s = this.streams.get(native);
    if (s === undefined) this.streams.set(native, (s = new ToyStream(native.replace('-', '/'))));
    return s;
  }

  dropAll(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  close(): Promise<void> {
    return closeWsServer(this.http, this.wss, this.sockets);
  }

  private onSocket(ws: WebSocket): void {
    const conn = ++this.connections;
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (data) => {
      const req = JSON.parse(String(data)) as ToyRequest;
      this.requests.push({ ...req, conn });
      if (this.reject.has(req.id)) {
        ws.send(JSON.stringify({ error: `unknown symbol ${req.symbols.at(-1)}`, code: 40, id: req.id }));
        return;
      }
      ws.send(JSON.stringify({ ack: req.id }));
      if (req.op !== 'subscribe' || req.channel !== 'book') return;
      for (const native of req.symbols) {
        const seq = this.nextSeq++;
        this.book(native, this.stream(native).snapshot(seq, [['100.50', '1.0']], [['101.00', '2.50']]));
      }
    });
  }
}

let venue: ToyVenue;
const feeds: VenueFeed[] = [];
beforeEach(async () => {
  venue = await ToyVenue.start();
});
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await venue.close();
});

function start(symbols: string[], withBook = true) {
  const { logger, lines } = captureLogs();
  const feed = createVenueFeed(toySpec(venue.url, withBook), {
    symbols,
    logger,
    backoff: { random: () => 0 },
    bookDepth: 5,
  });
  feeds.push(feed);
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return { feed, out, lines };
}

const statuses = (out: NormalizedMessage[]) => out.filter((m): m is Status => m.type === 'status');
const warnings = (lines: LogLine[]) => lines.filter((l) => l.level === LOG_LEVEL.warn);

describe('createVenueFeed over a toy venue (real sockets)', () => {
  it('batches subscriptions per channel with request ids, and explains a rejected request by what it asked', async () => {
    venue.reject.add(2);
    const { feed, lines } = start(['AAA/USD', 'BBB/USD', 'CCC/USD']);
    await until(() => venue.requests.length === 6, 5000, 'six subscribe messages');
    expect(venue.requests.map((r) => [r.id, r.op, r.channel, r.symbols])).toEqual([
      [1, 'subscribe', 'trade', ['AAA-USD', 'BBB-USD']],
      [2, 'subscribe', 'trade', ['CCC-USD']],
      [3, 'subscribe', 'book', ['AAA-USD', 'BBB-USD']],
      [4, 'subscribe', 'book', ['CCC-USD']],
      [5, 'subscribe', 'ticker', ['AAA-USD', 'BBB-USD']],
      [6, 'subscribe', 'ticker', ['CCC-USD']],
    ]);
    await until(() => warnings(lines).length === 1, 5000, 'the rejection logged');
    expect(warnings(lines)[0]).toMatchObject({
      msg: 'okx rejected a control request',
      id: 2,
      code: 40,
      reason: 'unknown symbol CCC-USD',
      request: 'subscribe CCC/USD trade',
    });
    expect(feed.stats().rejectedRequests).toBe(1);
    await until(() => ['AAA/USD', 'BBB/USD', 'CCC/USD'].every((s) => feed.book(s)?.state === 'synced'));

    feed.unsubscribe(['BBB/USD', 'ZZZ/USD']);
    await until(() => venue.requests.length === 9, 5000, 'unsubscribe messages');
    expect(venue.requests.slice(6).map((r) => [r.op, r.channel, r.symbols])).toEqual([
      ['unsubscribe', 'trade', ['BBB-USD']],
      ['unsubscribe', 'book', ['BBB-USD']],
      ['unsubscribe', 'ticker', ['BBB-USD']],
    ]);
    expect(feed.book('BBB/USD')).toBeUndefined();
    expect(feed.stats().subscriptions).toEqual(['AAA/USD', 'CCC/USD']);
  });

  it('a checksum mismatch resubscribes only that book over the socket; the fresh snapshot syncs it again', async () => {
    const { feed, out } = start(['AAA/USD', 'BBB/USD']);
    await until(() => feed.book('AAA/USD')?.state === 'synced' && feed.book('BBB/USD')?.state === 'synced');
    const aaa = venue.stream('AAA-USD');
    const seq = feed.book('AAA/USD')!.updateId!;
    venue.book('AAA-USD', aaa.update(seq + 1, seq, [['100.60', '0.5']]));
    venue.book('AAA-USD', aaa.update(seq + 2, seq + 1, [['100.70', '0.5']], [], true));
    await until(() => venue.requests.length === 5, 5000, 'unsubscribe + subscribe of the book');
    expect(venue.requests.slice(3).map((r) => [r.op, r.channel, r.symbols])).toEqual([
      ['unsubscribe', 'book', ['AAA-USD']],
      ['subscribe', 'book', ['AAA-USD']],
    ]);
    await until(
      () => feed.book('AAA/USD')?.state === 'synced' && feed.book('AAA/USD')!.stats.snapshots === 2,
    );
    const fresh = feed.book('AAA/USD')!.updateId!;
    venue.book('AAA-USD', aaa.update(fresh + 1, fresh, [], [['100.90', '1']]));
    await until(() => feed.book('AAA/USD')!.stats.applied === 2);

    expect(feed.stats()).toMatchObject({ checksumMismatches: 1, resyncs: 1, gaps: 0, crossedBooks: 0 });
    expect(feed.book('BBB/USD')!.stats).toMatchObject({ snapshots: 1, resyncs: 0 });
    expect(statuses(out).filter((s) => s.state === 'resyncing')).toEqual([
      expect.objectContaining({
        symbol: 'AAA/USD',
        reason: expect.stringMatching(/^checksum mismatch: update/),
      }),
    ]);
    const books = out.filter((m) => m.type === 'book_snapshot' && m.symbol === 'AAA/USD');
    expect(books.map((b) => (b.type === 'book_snapshot' ? b.sequence : 0))).toEqual([
      seq,
      seq + 1,
      fresh,
      fresh + 1,
    ]);
  });

  it('a reconnect resets the books and subscribes everything again; the snapshots that follow resync them', async () => {
    const { feed, out } = start(['AAA/USD']);
    await until(() => feed.book('AAA/USD')?.state === 'synced');
    venue.dropAll();
    await until(() => venue.requests.filter((r) => r.conn === 2).length === 3, 5000, 'resubscribed');
    await until(() => feed.book('AAA/USD')?.state === 'synced');
    expect(feed.book('AAA/USD')!.stats).toMatchObject({ snapshots: 2, gaps: 0, resyncs: 0 });
    expect(
      statuses(out)
        .map((s) => s.state)
        .join(' '),
    ).toBe('connecting connected disconnected connecting connected');
    expect(feed.stats()).toMatchObject({ reconnects: 1, state: 'connected' });
  });

  it('with a book rule, wire quotes are not passed on; crossed tickers are dropped; bad frames are counted', async () => {
    const { feed, out } = start(['AAA/USD']);
    await until(() => feed.book('AAA/USD')?.state === 'synced');
    venue.send({ ch: 'bbo', sym: 'AAA-USD', ts: 1 });
    venue.send({ ch: 'ticker', sym: 'AAA-USD', ts: 2, bbo: [101, 100] });
    venue.send({ ch: 'mystery', sym: 'AAA-USD', ts: 3 });
    venue.send({ ch: 'ticker', sym: 'AAA-USD', ts: 4, bbo: [100, 101] });
    venue.send({ ch: 'trade', sym: 'AAA-USD', ts: 5, id: 9 });
    await until(() => out.some((m) => m.type === 'trade'));
    expect(out.filter((m) => m.type === 'ticker').map((m) => m.timestamp)).toEqual([4]);
    // Only the validated book's own quote (from its snapshot).
    expect(out.filter((m) => m.type === 'quote').map((m) => m.timestamp)).toEqual([
      Date.UTC(2021, 4, 1) + 100,
    ]);
    expect(feed.stats()).toMatchObject({ crossedTickers: 1, decodeErrors: 1 });
  });

  it('a venue-wide frame reaches every symbol subscribed at the time', async () => {
    const { feed, out } = start(['AAA/USD', 'BBB/USD', 'CCC/USD']);
    await until(() => venue.requests.length === 6);
    feed.unsubscribe(['BBB/USD']);
    venue.send({ ch: 'notice', ts: 7, text: 'maintenance' });
    await until(() => statuses(out).filter((s) => s.state === 'stale').length === 2);
    expect(
      statuses(out)
        .filter((s) => s.state === 'stale')
        .map((s) => [s.symbol, s.reason, s.timestamp]),
    ).toEqual([
      ['AAA/USD', 'maintenance', 7],
      ['CCC/USD', 'maintenance', 7],
    ]);
  });

  it('without a book rule, quotes and books from the wire pass through and no book is kept', async () => {
    const { feed, out } = start(['AAA/USD'], false);
    await until(() => venue.requests.length === 3);
    venue.send({ ch: 'bbo', sym: 'AAA-USD', ts: 1 });
    await until(() => out.some((m) => m.type === 'quote'));
    expect(feed.book('AAA/USD')).toBeUndefined();
    expect(out.some((m) => m.type === 'book_change')).toBe(false); // snapshots go to sink.book: no book, dropped
  });
});
