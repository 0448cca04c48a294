/**
 * OKX in the venue registry, and its ingest against the real hub's `/okx` mount: names and URLs,
 * the firehose the replay bench subscribes, a feed under `--upstream` delivering the replay, and a
 * sequence gap on the wire (one `books` update dropped between hub and feed) detected, counted and
 * repaired by resubscribing, the book equal to the recording afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { upstreamUrls } from '../../app/ingest-stack.js';
import { silentLogger } from '../../core/logger.js';
import type { BookSnapshot, NormalizedMessage, Status } from '../../core/types.js';
import type { ReplayEvent } from '../../replay/events.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { until } from '../../test-support/until.js';
import { startWsProxy } from '../../test-support/ws-proxy.js';
import { venueFor, VENUE_NAMES } from '../index.js';
import { createOkxFeed } from './client.js';
import { OKX_BOOKS_ENDPOINT, OKX_PLATFORM, OkxReplaySource } from './replay-source.js';
import { OkxTestClient, startOkxHub, type RunningOkxHub } from './test-support/hub.js';
import { writeOkxSample } from './test-support/recordings.js';
import type { OkxRestBody, OkxRestBook } from './wire.js';

const START_MS = Date.UTC(2026, 2, 3, 15);
const okx = venueFor('okx');
const cleanups: Array<() => unknown> = [];
let root: string;
let events: ReplayEvent[];
let recorded: OkxRestBook[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-okx-index-'));
  await writeOkxSample({
    root,
    instruments: ['BTC-USDT'],
    startMs: START_MS,
    seconds: 30,
    seed: 'okx-index',
  });
  const source = await OkxReplaySource.open(root, silentLogger());
  events = [];
  for await (const e of source.pass(0, 0)) events.push(e);
  const files = await listRecordingFiles(root, OKX_PLATFORM, OKX_BOOKS_ENDPOINT, 'BTC-USDT');
  recorded = [];
  for await (const { record } of readRecords<OkxRestBody<OkxRestBook>>(files))
    recorded.push(record.data.data[0]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Consume a feed's messages into an array. */
function collect(feed: { messages(): AsyncIterable<NormalizedMessage> }): NormalizedMessage[] {
  const out: NormalizedMessage[] = [];
  void (async () => {
    for await (const m of feed.messages()) out.push(m);
  })();
  return out;
}

const levels = (side: OkxRestBook['bids'], n: number): Array<[number, number]> =>
  side.slice(0, n).map((l) => [Number(l[0]), Number(l[1])]);

/**
 * Push events[from, to) one by one, waiting after each book event until the feed has received
 * another frame (its `books` push; a trade's frames are not waited for).
 */
async function replay(h: RunningOkxHub, frames: () => number, from = 0, to = events.length): Promise<void> {
  for (const e of events.slice(from, to)) {
    const before = frames();
    h.push(e);
    if (e.kind !== 'trade') await until(() => frames() > before, 5000, `the feed's frame after ${e.kind}`);
  }
}

describe('the okx venue module', () => {
  it('is registered after kraken and names pairs by instId', () => {
    expect(VENUE_NAMES).toEqual(['binance', 'kraken', 'okx', 'alpaca']);
    expect(okx).toMatchObject({ title: 'OKX', sampleSymbols: ['BTC/USDT', 'ETH/USDT'] });
    expect(okx.live).toEqual({ ws: 'wss://ws.okx.com:8443', rest: 'https://www.okx.com' });
    expect(okx.toNative('BTC/USDT')).toBe('BTC-USDT');
    expect(okx.toCanonical('ETH-USDT')).toBe('ETH/USDT');
    expect(() => okx.toNative('BTCUSDT')).toThrow(/BASE\/QUOTE/);
  });

  it('gives the replay bench a firehose the hub acks arg by arg', async () => {
    const h = await startOkxHub();
    cleanups.push(() => h.close());
    const { path, subscribe } = okx.firehose(['BTC-USDT', 'ETH-USDT']);
    const client = await OkxTestClient.connect(`${h.wsBase}${path}`);
    cleanups.push(() => client.close());
    for (const request of subscribe) client.send(request);
    const frames = await client.barrier();
    const acks = frames
      .filter((f) => f.event === 'subscribe')
      .map((f) => (f.arg as { channel: string }).channel);
    expect(acks.sort()).toEqual(
      ['trades', 'books', 'books5', 'bbo-tbt', 'tickers'].flatMap((c) => [c, c]).sort(),
    );
    expect(frames.filter((f) => f.event === 'error')).toEqual([]);
  });

  it('under --upstream, its feed takes the replay from the hub: trades, and books equal to the recording', async () => {
    const h = await startOkxHub();
    cleanups.push(() => h.close());
    const feed = okx.createFeed({
      urls: upstreamUrls(h.restBase.replace('/okx', ''), 'okx'),
      symbols: ['BTC/USDT'],
      bookDepth: 20,
      logger: silentLogger(),
    });
    cleanups.push(() => feed.close());
    const out = collect(feed);
    await until(() => h.hub.health().venues[0].consumers === 2, 5000, 'public and business connections');
    await until(() => h.hub.health().venues[0].counters.requests >= 2, 5000, 'the subscribes');
    const books = (): BookSnapshot[] => out.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
    await replay(h, () => feed.stats().frames);
    await until(() => books().at(-1)?.timestamp === Number(recorded.at(-1)!.ts), 5000, 'the last book');
    expect(out.filter((m) => m.type === 'trade').length).toBeGreaterThan(10);
    expect(out.find((m) => m.type === 'trade')).toMatchObject({ exchange: 'okx', symbol: 'BTC/USDT' });
    const last = books().at(-1)!;
    const truth = recorded.at(-1)!;
    expect({ bids: last.bids, asks: last.asks }).toEqual({
      bids: levels(truth.bids, 20),
      asks: levels(truth.asks, 20),
    });
    expect(feed.stats()).toMatchObject({ exchange: 'okx', gaps: 0, checksumMismatches: 0 });
  });

  it('detects a books update lost on the wire, resubscribes, and ends equal to the recording', async () => {
    const h = await startOkxHub();
    cleanups.push(() => h.close());
    let updates = 0;
    // Drop the 5th books update the hub sends towards the feed.
    const proxy = await startWsProxy(h.wsBase.replace('/okx', ''), (frame) => {
      if (!frame.startsWith('{"arg":{"channel":"books"') || !frame.includes('"action":"update"')) return true;
      return ++updates !== 5;
    });
    cleanups.push(() => proxy.close());
    const feed = createOkxFeed({
      wsBaseUrl: `${proxy.url}/okx`,
      symbols: ['BTC/USDT'],
      bookDepth: 20,
      logger: silentLogger(),
    });
    cleanups.push(() => feed.close());
    const out = collect(feed);
    await until(() => h.hub.health().venues[0].counters.requests >= 2, 5000, 'the subscribes');
    const frames = (): number => feed.stats().frames;
    // The snapshot, then four updates; the fifth is dropped, the sixth shows the gap.
    const bookEvents = events.filter((e) => e.kind !== 'trade');
    const dropped = events.indexOf(bookEvents[5]);
    await replay(h, frames, 0, dropped);
    h.push(events[dropped]);
    await until(() => proxy.dropped.length === 1, 5000, 'the dropped update');
    await replay(h, frames, dropped + 1, events.indexOf(bookEvents[6]) + 1);
    await until(() => feed.stats().gaps === 1, 5000, 'the gap');
    await until(
      () => feed.book('BTC/USDT')?.state === 'synced' && feed.stats().resyncs === 1,
      5000,
      'the resync',
    );
    expect(out.filter((m): m is Status => m.type === 'status').map((s) => s.state)).toContain('resyncing');
    await replay(h, frames, events.indexOf(bookEvents[6]) + 1);
    const books = (): BookSnapshot[] => out.filter((m): m is BookSnapshot => m.type === 'book_snapshot');
    await until(() => books().at(-1)?.timestamp === Number(recorded.at(-1)!.ts), 5000, 'the last book');
    const last = books().at(-1)!;
    const truth = recorded.at(-1)!;
    expect({ bids: last.bids, asks: last.asks }).toEqual({
      bids: levels(truth.bids, 20),
      asks: levels(truth.asks, 20),
    });
    expect(feed.stats()).toMatchObject({ gaps: 1, resyncs: 1, checksumMismatches: 0 });
  });
});
