/**
 * The frame-driven feed: a venue's whole frame path (decode, book sync, delivery) fed in memory,
 * its socket never opened. OKX's spec over the book bench's seeded `books` stream (checksums as
 * OKX sends them).
 */
import { describe, expect, it } from 'vitest';
import { buildBookStream } from '../bench/book-ingest.js';
import { silentLogger } from '../core/logger.js';
import { okxPublicFeedSpec } from '../exchanges/okx/client.js';
import { createFrameDrivenFeed } from './venue-feed.js';

function newFeed() {
  // Port 9 on loopback: nothing listens; the test shows nothing ever connects.
  return createFrameDrivenFeed(okxPublicFeedSpec({ wsBaseUrl: 'ws://127.0.0.1:9' }), {
    symbols: ['BTC/USDT'],
    bookDepth: 5,
    logger: silentLogger(),
  });
}

describe('createFrameDrivenFeed', () => {
  it('runs handed-in frames through decode and book sync without opening its socket', async () => {
    const stream = buildBookStream(50);
    const feed = newFeed();
    const seen: string[] = [];
    feed.on('book', (m) => seen.push(m.type));
    try {
      feed.ingestFrame(stream.snapshot, 1);
      stream.updates.forEach((u, i) => feed.ingestFrame(u, 2 + i));
      const book = feed.book('BTC/USDT');
      expect(book?.state).toBe('synced');
      expect(book?.stats.applied).toBe(50);
      const s = feed.stats();
      expect(s).toMatchObject({
        state: 'disconnected',
        frames: 0,
        gaps: 0,
        checksumMismatches: 0,
        decodeErrors: 0,
      });
      expect(s.messages).toBeGreaterThan(50);
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await feed.close();
    }
  });

  it('counts an undecodable frame instead of throwing, and ignores frames once closed', async () => {
    const feed = newFeed();
    feed.ingestFrame('{"arg":', 1);
    expect(feed.stats().decodeErrors).toBe(1);
    await feed.close();
    feed.ingestFrame('{"arg":', 2);
    expect(feed.stats().decodeErrors).toBe(1);
  });
});
