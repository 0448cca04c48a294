/**
 * The feed group over two in-process parts (each a `VenueFeed` whose messages the test pushes):
 * merged statuses, fan-out of subscriptions, summed stats, book lookup, close.
 */
import { describe, expect, it } from 'vitest';
import type { BookView } from '../book/book-view.js';
import { newBookSyncStats } from '../book/book-view.js';
import { NumericOrderBook } from '../book/order-book.js';
import type { FeedState, NormalizedMessage, Status } from '../core/types.js';
import { captureLogs } from '../test-support/log-capture.js';
import { until } from '../test-support/until.js';
import { TypedEmitter, type FeedEventName, type FeedEvents } from './feed-events.js';
import { FeedQueue, type FeedStats } from './feed.js';
import { createFeedGroup } from './feed-group.js';
import type { VenueFeed } from './venue-feed.js';

class Part implements VenueFeed {
  readonly exchange = 'okx' as const;
  readonly queue = new FeedQueue(1000, () => void this.close());
  readonly subscribed: string[][] = [];
  readonly unsubscribed: string[][] = [];
  started = false;
  closed = false;
  state: FeedState = 'disconnected';
  readonly events = new TypedEmitter<FeedEvents>((err) => {
    throw err;
  });

  constructor(
    private readonly counters: Partial<FeedStats>,
    private readonly bookView?: BookView,
  ) {}

  messages(): AsyncIterable<NormalizedMessage> {
    this.started = true;
    return this.queue.iterate();
  }
  start(): void {
    this.started = true;
  }
  on<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.on(event, listener);
  }
  off<K extends FeedEventName>(event: K, listener: (event: FeedEvents[K]) => void): void {
    this.events.off(event, listener);
  }
  subscribe(symbols: string[]): void {
    this.subscribed.push(symbols);
  }
  unsubscribe(symbols: string[]): void {
    this.unsubscribed.push(symbols);
  }
  stats(): FeedStats {
    return {
      exchange: 'okx',
      state: this.state,
      reconnects: 0,
      messages: 0,
      frames: 0,
      decodeErrors: 0,
      gaps: 0,
      resyncs: 0,
      checksumMismatches: 0,
      crossedBooks: 0,
      crossedTickers: 0,
      rejectedRequests: 0,
      lastMessageAt: undefined,
      latencyMs: undefined,
      dropped: 0,
      subscriptions: ['BTC/USDT'],
      breaker: 'closed',
      breakerFailures: 0,
      consecutiveErrors: 0,
      connectedSince: undefined,
      pingRttMs: undefined,
      staleSymbols: [],
      quietChannels: [],
      bySymbol: {},
      ...this.counters,
    };
  }
  book(symbol: string): BookView | undefined {
    return this.bookView?.symbol === symbol ? this.bookView : undefined;
  }
  close(): Promise<void> {
    this.closed = true;
    this.queue.end();
    return Promise.resolve();
  }
  status(state: Status['state'], reason: string, symbol = 'BTC/USDT'): void {
    this.queue.push({
      type: 'status',
      exchange: 'okx',
      symbol,
      timestamp: 1,
      localTimestamp: 1,
      state,
      reason,
    });
  }
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('createFeedGroup', () => {
  it('merges connection statuses per symbol: the least connected part decides, only changes go out', async () => {
    const pub = new Part({});
    const biz = new Part({});
    const group = createFeedGroup('okx', [
      { name: 'public', feed: pub },
      { name: 'business', feed: biz },
    ]);
    const got: NormalizedMessage[] = [];
    const loop = (async () => {
      for await (const m of group.messages()) got.push(m);
    })();
    expect(pub.started && biz.started).toBe(true);
    pub.status('connecting', 'connecting to wss://x/public');
    biz.status('connecting', 'connecting to wss://x/business');
    pub.status('connected', 'connected');
    biz.status('connected', 'connected');
    pub.status('connected', 'okx notice 64008: service upgrade');
    biz.status('disconnected', 'socket closed (1006)');
    pub.status('resyncing', 'checksum mismatch');
    biz.status('connecting', 'reconnecting');
    biz.status('connected', 'connected');
    pub.queue.push({
      type: 'trade',
      exchange: 'okx',
      symbol: 'BTC/USDT',
      timestamp: 1,
      localTimestamp: 1,
      id: '1',
      price: 1,
      amount: 1,
      side: 'buy',
    });
    await tick();
    await group.close();
    await loop;
    const statuses = got.filter((m): m is Status => m.type === 'status').map((s) => [s.state, s.reason]);
    expect(statuses).toEqual([
      ['connecting', 'public: connecting to wss://x/public'],
      ['connected', 'business: connected'],
      ['connected', 'public: okx notice 64008: service upgrade'],
      ['disconnected', 'business: socket closed (1006)'],
      ['resyncing', 'public: checksum mismatch'],
      ['connecting', 'business: reconnecting'],
      ['connected', 'business: connected'],
    ]);
    expect(got.filter((m) => m.type === 'trade')).toHaveLength(1);
    expect(pub.closed && biz.closed).toBe(true);
  });

  it('fans subscriptions out, adds up stats, finds the book in the part that keeps it', async () => {
    const view: BookView = {
      symbol: 'BTC/USDT',
      state: 'synced',
      updateId: 7,
      crossed: false,
      stats: newBookSyncStats(),
      book: new NumericOrderBook(),
    };
    const pub = new Part({ frames: 10, gaps: 2, lastMessageAt: 50, latencyMs: 3 }, view);
    const biz = new Part({ frames: 5, decodeErrors: 1, lastMessageAt: 70 });
    pub.state = 'connected';
    biz.state = 'connecting';
    const group = createFeedGroup('okx', [
      { name: 'public', feed: pub },
      { name: 'business', feed: biz },
    ]);
    group.subscribe(['ETH/USDT']);
    group.unsubscribe(['BTC/USDT']);
    expect([pub.subscribed, biz.subscribed, pub.unsubscribed, biz.unsubscribed]).toEqual([
      [['ETH/USDT']],
      [['ETH/USDT']],
      [['BTC/USDT']],
      [['BTC/USDT']],
    ]);
    expect(group.stats()).toMatchObject({
      exchange: 'okx',
      state: 'connecting',
      frames: 15,
      gaps: 2,
      decodeErrors: 1,
      lastMessageAt: 70,
      latencyMs: 3,
    });
    expect(group.book('BTC/USDT')).toBe(view);
    expect(group.book('ETH/USDT')).toBeUndefined();
    await group.close();
    expect(pub.closed && biz.closed).toBe(true);
  });

  it('closes every part and logs when one part fails', async () => {
    const ok = new Part({});
    const broken = new Part({});
    broken.messages = () => {
      throw new Error('feed messages() already has a consumer');
    };
    const { logger, lines } = captureLogs();
    const group = createFeedGroup(
      'okx',
      [
        { name: 'public', feed: ok },
        { name: 'business', feed: broken },
      ],
      { logger },
    );
    const got: NormalizedMessage[] = [];
    for await (const m of group.messages()) got.push(m);
    expect(got).toEqual([]);
    expect(lines.find((l) => l.msg === 'okx feed part failed; feed closed')).toBeDefined();
    await until(() => ok.closed, 1000, 'the healthy part closed');
  });
});

describe('createFeedGroup events', () => {
  it('passes on the link events of every part and emits data and merged statuses once, without an iterator', async () => {
    const pub = new Part({});
    const biz = new Part({});
    const group = createFeedGroup('okx', [
      { name: 'public', feed: pub },
      { name: 'business', feed: biz },
    ]);
    const seen: string[] = [];
    group.on('connected', (e) => seen.push(`connected ${e.reason}`));
    group.on('max_reconnects_reached', (e) => seen.push(`gave up after ${e.attempts}`));
    group.on('trade', (t) => seen.push(`trade ${t.id}`));
    group.on('status', (s) => seen.push(`status ${s.state} ${s.reason}`));
    group.start();
    expect(pub.started && biz.started).toBe(true);
    pub.events.emit('connected', { exchange: 'okx', reason: 'connected', at: 1 });
    biz.events.emit('max_reconnects_reached', { exchange: 'okx', attempts: 3, reason: 'x', at: 2 });
    pub.status('connected', 'connected');
    pub.queue.push({
      type: 'trade',
      exchange: 'okx',
      symbol: 'BTC/USDT',
      timestamp: 1,
      localTimestamp: 1,
      id: '7',
      price: 1,
      amount: 1,
      side: 'buy',
    });
    await until(() => seen.includes('trade 7'), 2000, 'trade event');
    await group.close();
    expect(seen).toEqual([
      'connected connected',
      'gave up after 3',
      'status connected public: connected',
      'trade 7',
    ]);
    expect(group.stats()).toMatchObject({ breaker: 'closed', staleSymbols: [], bySymbol: {} });
  });
});
