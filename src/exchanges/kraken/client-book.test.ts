/**
 * The Kraken feed's book on real message shapes, from a loopback v2 server: the replay hub
 * never sends a wrong checksum, so the mismatch path is driven here with Kraken's documented
 * snapshot (fixtures/book-v2-doc-snapshot.json) and updates in its documented shape; and the
 * real depth-1000 capture (fixtures/book-v1-depth1000.ws.txt, 10 pairs, 4,269 checksums Kraken
 * computed) is sent in v2 form, every checksum of it checked by the feed.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BookSnapshot, NormalizedMessage, Status } from '../../core/types.js';
import { until } from '../../test-support/until.js';
import { LOG_LEVEL, captureLogs } from '../../test-support/log-capture.js';
import { closeWsServer } from '../../test-support/ws-server.js';
import { krakenBookChecksum, krakenTextChecksum, type TextLevel } from './checksum.js';
import { createKrakenFeed, type KrakenFeed, type KrakenFeedOptions } from './client.js';
import { KrakenPairs, v2SymbolOf, type KrakenPair } from './symbols.js';
import { formatKrakenTime } from './wire-format.js';

function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
}

interface Request {
  readonly method: string;
  readonly params: { readonly channel: string; readonly symbol: string[]; readonly depth?: number };
  readonly req_id: number;
}

/** A v2 server on loopback: records every request, answers book subscriptions with `onBook`. */
class LoopbackKraken {
  readonly requests: Request[] = [];
  onBook: (ws: WebSocket, symbols: readonly string[]) => void = () => undefined;
  private readonly sockets = new Set<WebSocket>();

  private constructor(
    private readonly http: Server,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        const req = JSON.parse(String(data)) as Request;
        this.requests.push(req);
        if (req.method === 'subscribe' && req.params.channel === 'book') this.onBook(ws, req.params.symbol);
      });
    });
  }

  static async start(): Promise<LoopbackKraken> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/v2', perMessageDeflate: false });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new LoopbackKraken(http, wss);
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  send(frame: string): void {
    for (const ws of this.sockets) ws.send(frame);
  }

  bookRequests(): Array<[string, string[], number | undefined]> {
    return this.requests
      .filter((r) => r.params.channel === 'book')
      .map((r) => [r.method, r.params.symbol, r.params.depth]);
  }

  close(): Promise<void> {
    return closeWsServer(this.http, this.wss, this.sockets);
  }
}

let server: LoopbackKraken;
const feeds: KrakenFeed[] = [];
afterEach(async () => {
  for (const f of feeds.splice(0)) await f.close();
  await server?.close();
});

function start(extra: Partial<KrakenFeedOptions> = {}) {
  const { logger, lines } = captureLogs();
  const feed = createKrakenFeed({
    wsBaseUrl: server.wsBaseUrl,
    symbols: ['BTC/USD'],
    logger,
    backoff: { random: () => 0 },
    ...extra,
  });
  feeds.push(feed);
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return { feed, out, lines };
}

const BTC_USD = { priceDecimals: 1, qtyDecimals: 8 };
const DOC_SNAPSHOT = fixture('book-v2-doc-snapshot.json').trimEnd();
type Side = Array<[number, number]>;
interface DocLevel {
  readonly price: number;
  readonly qty: number;
}
const doc = (JSON.parse(DOC_SNAPSHOT) as { data: [{ bids: DocLevel[]; asks: DocLevel[] }] }).data[0];
const docSide = (side: readonly DocLevel[]): Side => side.map((l) => [l.price, l.qty]);

/** An update in the documented v2 shape (EXCHANGES.md §2.3), numbers at BTC/USD's precision. */
function update(bids: Side, asks: Side, checksum: number): string {
  const text = (side: Side) =>
    side.map(([p, q]) => `{"price":${p.toFixed(1)},"qty":${q.toFixed(8)}}`).join(',');
  return (
    `{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[${text(bids)}],"asks":[${text(asks)}],` +
    `"checksum":${checksum},"timestamp":"2023-10-06T17:35:56.000000Z"}]}`
  );
}

describe('Kraken feed book on Kraken’s documented messages', () => {
  it('a checksum mismatch is logged, counted and resynced: unsubscribe and subscribe of the book seen on the wire', async () => {
    server = await LoopbackKraken.start();
    server.onBook = (ws) => ws.send(DOC_SNAPSHOT);
    const { feed, out, lines } = start();
    await until(() => feed.book('BTC/USD')?.state === 'synced', 5000, 'the documented snapshot');

    // Take the best bid away and grow the best ask: the checksum of that book, computed here by hand.
    const bids = docSide(doc.bids).slice(1);
    const asks = docSide(doc.asks);
    asks[0] = [asks[0][0], 0.5];
    const good = krakenBookChecksum(asks, bids, BTC_USD);
    server.send(update([[45283.5, 0]], [[45285.2, 0.5]], good));
    await until(() => feed.book('BTC/USD')!.stats.applied === 1, 5000, 'the update applied');
    expect(feed.book('BTC/USD')!.book.bids.top(1)).toEqual([[45283.4, 1.54582015]]);

    const published = out.filter((m) => m.type === 'book_snapshot').length;
    server.send(update([[45283.4, 2]], [], 12345));
    await until(() => server.bookRequests().length === 3, 5000, 'the resubscription');
    expect(server.bookRequests()).toEqual([
      ['subscribe', ['BTC/USD'], 25],
      ['unsubscribe', ['BTC/USD'], 25],
      ['subscribe', ['BTC/USD'], 25],
    ]);
    await until(() => feed.book('BTC/USD')!.stats.snapshots === 2, 5000, 'the fresh snapshot');

    const warning = lines.find(
      (l) => l.level === LOG_LEVEL.warn && l.msg === 'book checksum mismatch; resyncing',
    );
    expect(warning).toMatchObject({ expected: 12345, source: 'update checksum=12345', symbol: 'BTC/USD' });
    expect(feed.stats()).toMatchObject({ checksumMismatches: 1, resyncs: 1, decodeErrors: 0 });
    const resyncing = out.filter((m): m is Status => m.type === 'status' && m.state === 'resyncing');
    expect(resyncing.map((s) => s.reason)).toEqual([
      expect.stringMatching(/^checksum mismatch: update checksum=12345 says 12345, local book \d+$/),
    ]);
    // Nothing of the bad update went out; the next book is the fresh snapshot's.
    const books = out.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
    expect(books).toHaveLength(published + 1);
    expect(books.at(-1)!.bids).toEqual(docSide(doc.bids));
  });
});

// ---- the real v1 depth-1000 capture, sent as v2 frames

type V1Side = [price: string, volume: string, time: string, republish?: 'r'][];
type V1Part = { as?: V1Side; bs?: V1Side; a?: V1Side; b?: V1Side; c?: string };

const decimals = (text: string): number => (text.includes('.') ? text.length - text.indexOf('.') - 1 : 0);
const v2Levels = (side: V1Side): string => side.map(([p, q]) => `{"price":${p},"qty":${q}}`).join(',');

/** Every book frame of the capture in v2 form, and each pair's precision as its text shows. */
function v2Capture(): { frames: string[]; pairs: KrakenPairs; updates: number } {
  const frames: string[] = [];
  const precision = new Map<string, { priceDecimals: number; qtyDecimals: number }>();
  let updates = 0;
  for (const line of fixture('book-v1-depth1000.ws.txt').split('\n')) {
    if (line.length === 0 || line.startsWith('wss://')) continue;
    const frame = JSON.parse(line.slice(line.indexOf(': ') + 2)) as unknown;
    if (!Array.isArray(frame)) continue; // systemStatus, subscriptionStatus, heartbeat
    const symbol = v2SymbolOf(frame[frame.length - 1] as string);
    const parts = frame.slice(1, -2) as V1Part[];
    const bids: V1Side = parts.flatMap((p) => p.bs ?? p.b ?? []);
    const asks: V1Side = parts.flatMap((p) => p.as ?? p.a ?? []);
    const sent = parts.find((p) => p.c !== undefined)?.c;
    const isSnapshot = parts[0].as !== undefined || parts[0].bs !== undefined;
    if (isSnapshot) {
      const digits = (levels: V1Side, i: 0 | 1) => Math.max(...levels.map((l) => decimals(l[i])));
      precision.set(symbol, {
        priceDecimals: digits([...bids, ...asks], 0),
        qtyDecimals: digits([...bids, ...asks], 1),
      });
    } else updates++;
    // v1 snapshots carry no checksum; v2 ones do: that of the snapshot's own top 10.
    const top = (side: V1Side): TextLevel[] => side.slice(0, 10).map(([p, q]) => [p, q]);
    const checksum = isSnapshot ? krakenTextChecksum(top(asks), top(bids)) : Number(sent);
    const at = formatKrakenTime(Math.round(Number(line.slice(0, line.indexOf(':'))) * 1000));
    frames.push(
      `{"channel":"book","type":"${isSnapshot ? 'snapshot' : 'update'}","data":[{"symbol":"${symbol}",` +
        `"bids":[${v2Levels(bids)}],"asks":[${v2Levels(asks)}],"checksum":${checksum},"timestamp":"${at}"}]}`,
    );
  }
  const pairs = [...precision].map(([symbol, p]): KrakenPair => ({
    symbol,
    altname: symbol.replace('/', ''),
    restKey: symbol.replace('/', ''),
    wsname: symbol,
    ...p,
  }));
  return { frames, pairs: new KrakenPairs(pairs), updates };
}

describe('Kraken feed book on the real depth-1000 capture (10 pairs)', () => {
  it('agrees with every one of the 4,269 checksums Kraken sent', async () => {
    const capture = v2Capture();
    expect(capture.updates).toBe(4269);
    const symbols = capture.pairs.list().map((p) => p.symbol);
    expect(symbols).toHaveLength(10);
    server = await LoopbackKraken.start();
    server.onBook = (ws) => {
      for (const frame of capture.frames) ws.send(frame);
    };
    const { feed } = start({ symbols, pairs: capture.pairs, bookDepth: 1000 });
    await until(() => symbols.every((s) => feed.book(s)!.stats.checksums > 0), 10_000, 'every pair synced');
    await until(
      () => symbols.reduce((n, s) => n + feed.book(s)!.stats.checksums, 0) === 4269 + 10,
      20_000,
      'every checksum checked',
    );
    expect(server.bookRequests()).toEqual([['subscribe', symbols, 1000]]);
    for (const s of symbols) {
      expect(feed.book(s)!.stats).toMatchObject({
        snapshots: 1,
        checksumMismatches: 0,
        resyncs: 0,
        crossed: 0,
      });
    }
    expect(feed.stats()).toMatchObject({ decodeErrors: 0, checksumMismatches: 0 });
  });
});
