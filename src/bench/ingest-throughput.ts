/**
 * Ingest throughput per venue: normalized messages/s on one core through the venue's own feed
 * path (its `FeedSpec` decode, the generic feed's normalization and book sync with the venue's
 * rule, delivery), over frames captured once from the replay hub, beside `JSON.parse` of the same
 * frames alone: the floor any codec pays.
 *
 * Capture: the venue's generated dataset played at `--speed max` into an in-process hub, one real
 * WebSocket on its firehose keeping every text frame in memory. A frame-driven feed follows the
 * capture live, so the REST book snapshots it fetches (Binance) are the hub's at that moment; they
 * are recorded and served again from memory when the frames are replayed into fresh feeds.
 *
 * Each round: a fresh feed, the first frames untimed (the books sync, a snapshot fetch resolves),
 * then the rest in one synchronous loop, timed. A round that sees a gap, resync or checksum
 * mismatch throws: the figure is of synced books.
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { alpacaFeedSpec } from '../exchanges/alpaca/client.js';
import { DEFAULT_ALPACA_CREDENTIALS } from '../exchanges/alpaca/endpoint.js';
import { binanceFeedSpec } from '../exchanges/binance/client.js';
import { krakenFeedSpec } from '../exchanges/kraken/client.js';
import { okxPublicFeedSpec } from '../exchanges/okx/client.js';
import type { VenueModule, VenueUrls } from '../exchanges/venue.js';
import { createFrameDrivenFeed, type FeedOptions, type FrameDrivenFeed } from '../ingest/venue-feed.js';
import { ReplayPublisher } from '../replay/publisher.js';
import { figure, type BenchFigure } from './report.js';
import { startBenchHub, withDataset } from './setup.js';

/** Levels a side of the feed's books: Kraken's firehose subscribes depth 10, so its checksums are of 10. */
const BOOK_DEPTH = 10;

type FeedFactory = (urls: VenueUrls, options: FeedOptions) => FrameDrivenFeed<Exchange>;

/** Each venue's feed spec, on the connection its firehose reads (OKX: `public`; candles are on `business`). */
const FEEDS: Record<Exchange, FeedFactory> = {
  binance: (urls, o) =>
    createFrameDrivenFeed(binanceFeedSpec({ wsBaseUrl: urls.ws, restBaseUrl: urls.rest }), o),
  okx: (urls, o) => createFrameDrivenFeed(okxPublicFeedSpec({ wsBaseUrl: urls.ws }), o),
  kraken: (urls, o) =>
    createFrameDrivenFeed(krakenFeedSpec({ wsBaseUrl: urls.ws, bookDepth: o.bookDepth }), o),
  alpaca: (urls, o) =>
    createFrameDrivenFeed(
      alpacaFeedSpec({ wsBaseUrl: urls.ws, feed: 'sip', credentials: DEFAULT_ALPACA_CREDENTIALS }),
      o,
    ),
};

export interface IngestThroughputOptions {
  readonly venue: VenueModule;
  /** Generated market minutes captured. */
  readonly minutes: number;
  readonly logger: Logger;
  /** Timed rounds; the best counts. Default 3. */
  readonly rounds?: number;
}

interface RecordedResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** REST responses by URL: recorded through the real fetch during the capture, served in order after. */
class RestTape {
  private readonly byUrl = new Map<string, RecordedResponse[]>();
  private readonly served = new Map<string, number>();

  readonly record: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const body = await res.text();
    const url = urlOf(input);
    const list = this.byUrl.get(url) ?? [];
    list.push({
      status: res.status,
      contentType: res.headers.get('content-type') ?? 'application/json',
      body,
    });
    this.byUrl.set(url, list);
    return new Response(body, { status: res.status, headers: res.headers });
  };

  /** A fresh replay of the tape: each URL's responses from the first, the last one repeated. */
  player(): typeof fetch {
    this.served.clear();
    return (input) => {
      const url = urlOf(input);
      const list = this.byUrl.get(url);
      if (list === undefined || list.length === 0) {
        return Promise.reject(new Error(`ingest bench: no REST response was recorded for ${url}`));
      }
      const i = this.served.get(url) ?? 0;
      this.served.set(url, i + 1);
      const r = list[Math.min(i, list.length - 1)];
      return Promise.resolve(
        new Response(r.body, { status: r.status, headers: { 'content-type': r.contentType } }),
      );
    };
  }
}

function urlOf(input: string | URL | Request): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

interface Capture {
  readonly frames: readonly string[];
  /** Receipt time of each frame, ms since epoch. */
  readonly receivedAt: readonly number[];
  readonly bytes: number;
  /** Frames received but left out: the feed's decode refused them (channels it does not subscribe). */
  readonly skipped: number;
  readonly symbols: readonly string[];
  readonly urls: VenueUrls;
  readonly tape: RestTape;
}

async function capture(venue: VenueModule, root: string, logger: Logger): Promise<Capture> {
  const source = await venue.openSource(root, logger);
  const { hub, port } = await startBenchHub(venue, logger, source.symbols);
  const base = `127.0.0.1:${port}/${venue.exchange}`;
  const urls = { ws: `ws://${base}`, rest: `http://${base}` };
  const symbols = source.symbols.map((s) => venue.toCanonical(s));
  const tape = new RestTape();
  const follower = FEEDS[venue.exchange](urls, {
    symbols,
    bookDepth: BOOK_DEPTH,
    logger,
    fetch: tape.record,
  });
  const frames: string[] = [];
  const receivedAt: number[] = [];
  let bytes = 0;
  // Frames of channels the feed does not subscribe (OKX's books5, bbo-tbt) fail its decode: left out.
  let skipped = 0;
  let undecodable = false;
  follower.on('error', (e) => {
    if (e.kind === 'decode') undecodable = true;
  });
  const { path, subscribe } = venue.firehose(source.symbols);
  const ws = new WebSocket(`ws://${base}${path}`, { perMessageDeflate: false });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const text = data.toString('utf8');
    const at = Date.now();
    undecodable = false;
    follower.ingestFrame(text, at);
    if (undecodable) {
      skipped++;
      return;
    }
    frames.push(text);
    receivedAt.push(at);
    bytes += data.length;
  });
  try {
    await once(ws, 'open');
    for (const m of subscribe) ws.send(m);
    await sleep(200); // the subscriptions are in place
    await new ReplayPublisher({ source, speed: 'max', loop: false, logger }).run(hub);
    for (let last = -1; frames.length + skipped !== last; await sleep(300)) last = frames.length + skipped;
  } finally {
    ws.terminate();
    await follower.close();
    await hub.close();
  }
  return { frames, receivedAt, bytes, skipped, symbols, urls, tape };
}

interface Round {
  readonly messages: number;
  readonly frames: number;
  /** Symbols with a local book (none for a venue without a book rule). */
  readonly books: number;
  /** Book updates applied by the venue's book rule in the timed part. */
  readonly bookUpdates: number;
  readonly ms: number;
  /** `JSON.parse` of the same timed frames alone. */
  readonly parseMs: number;
}

/** Frames a round feeds at least before timing, and at most while its books sync. */
const MIN_WARMUP = 20;

/**
 * One fresh feed over the capture: frames untimed until every book is synced (a REST snapshot
 * fetch resolves between chunks), then the rest timed in one synchronous loop.
 */
async function ingestRound(venue: VenueModule, cap: Capture, logger: Logger): Promise<Round> {
  const feed = FEEDS[venue.exchange](cap.urls, {
    symbols: cap.symbols,
    bookDepth: BOOK_DEPTH,
    logger,
    fetch: cap.tape.player(),
  });
  const { frames, receivedAt } = cap;
  try {
    const books = cap.symbols.flatMap((symbol) => feed.book(symbol) ?? []);
    const synced = (): boolean => books.every((b) => b.state === 'synced');
    let from = 0;
    // Leave at least half the frames to time.
    while (from < frames.length / 2 && (from < MIN_WARMUP || !synced())) {
      feed.ingestFrame(frames[from], receivedAt[from]);
      from++;
      if (from % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
    if (!synced()) {
      const states = books.map((b) => `${b.symbol} ${b.state}`).join(', ');
      throw new Error(
        `ingest bench: ${venue.title} books not synced after ${from} of ${frames.length} frames (${states}); ` +
          'capture more minutes',
      );
    }
    const appliedBefore = books.reduce((n, b) => n + b.stats.applied, 0);
    const before = feed.stats().messages;
    const start = performance.now();
    for (let i = from; i < frames.length; i++) feed.ingestFrame(frames[i], receivedAt[i]);
    const ms = performance.now() - start;
    const s = feed.stats();
    if (s.gaps !== 0 || s.resyncs !== 0 || s.checksumMismatches !== 0 || s.decodeErrors !== 0) {
      throw new Error(
        `ingest bench: the ${venue.title} replay did not stay clean (gaps ${s.gaps}, resyncs ${s.resyncs}, ` +
          `checksum mismatches ${s.checksumMismatches}, decode errors ${s.decodeErrors}); ` +
          'the captured frames or REST snapshots do not match the feed',
      );
    }
    const bookUpdates = books.reduce((n, b) => n + b.stats.applied, 0) - appliedBefore;
    // The baseline over exactly these frames, best of two.
    const parseMs = Math.min(parseRound(frames, from), parseRound(frames, from));
    return {
      messages: s.messages - before,
      frames: frames.length - from,
      books: books.length,
      bookUpdates,
      ms,
      parseMs,
    };
  } finally {
    await feed.close();
  }
}

/** ms for `JSON.parse` of `frames[from…]` (V8 never drops a `JSON.parse` call); a frame that is not JSON counts as parsed. */
function parseRound(frames: readonly string[], from: number): number {
  const start = performance.now();
  for (let i = from; i < frames.length; i++) {
    try {
      JSON.parse(frames[i]);
    } catch {
      // A text frame that is not JSON: the codec pays for trying it too.
    }
  }
  return performance.now() - start;
}

export async function benchIngestThroughput(opts: IngestThroughputOptions): Promise<BenchFigure> {
  const { venue, logger } = opts;
  const rounds = opts.rounds ?? 3;
  const cap = await withDataset(venue, 'ingest-bench', opts.minutes, (root) => capture(venue, root, logger));
  if (cap.frames.length < 40) {
    throw new Error(
      `ingest bench: only ${cap.frames.length} ${venue.title} frames were captured from ${opts.minutes} ` +
        'generated minutes; give it more minutes or check the venue firehose',
    );
  }
  let best: Round | undefined;
  await ingestRound(venue, cap, logger); // warm-up of the code paths
  for (let r = 0; r < rounds; r++) {
    const round = await ingestRound(venue, cap, logger);
    if (best === undefined || round.messages / round.ms > best.messages / best.ms) best = round;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const b = best as Round;
  if (b.messages === 0) {
    throw new Error(`ingest bench: the ${venue.title} feed normalized no messages from ${b.frames} frames`);
  }
  const perSecond = (n: number, ms: number): number => n / (Math.max(ms, 1e-3) / 1000);
  return figure(
    `ingest throughput, ${venue.title} (feed decode + normalize${b.books > 0 ? ' + book sync' : ''}, 1 core)`,
    'msg/s',
    perSecond(b.messages, b.ms),
    perSecond(b.messages, b.parseMs),
    {
      frames: b.frames,
      messages: b.messages,
      bookUpdates: b.bookUpdates,
      framesPerSecond: Math.round(perSecond(b.frames, b.ms)),
      jsonParseFramesPerSecond: Math.round(perSecond(b.frames, b.parseMs)),
      avgFrameBytes: Math.round(cap.bytes / cap.frames.length),
      framesLeftOut: cap.skipped,
      marketMinutes: opts.minutes,
      baseline: 'JSON.parse of the same frames alone, over the same messages',
    },
  );
}
