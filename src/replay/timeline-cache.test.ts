import { appendFile, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_START_MS } from '../app/sample-data.js';
import { silentLogger } from '../core/logger.js';
import { venueFor } from '../exchanges/index.js';
import { VENUE_NAMES } from '../exchanges/index.js';
import { asSnapshot, type ReplayEvent } from './events.js';
import { encodeItem } from './link/link-wire.js';
import type { ReplaySource } from './source.js';
import { CACHE_DIR, openCachedSource, recordingsKey } from './timeline-cache.js';

/** Everything a publisher and the hub use of an event, `data` and `full` decoded. */
function shape(e: ReplayEvent): unknown {
  return {
    exchange: e.exchange,
    symbol: e.symbol,
    ts: e.ts,
    kind: e.kind,
    data: e.data,
    full: e.full,
    origin: e.origin === undefined ? undefined : { ...e.origin },
    // Text or bytes (the cache's items are slices of the file, never decoded): the same item.
    wire: String(e.wire ?? encodeItem(e)),
  };
}

async function collect(source: ReplaySource, index: number, shift: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of source.pass(index, shift)) out.push(shape(e));
  return out;
}

const logger = silentLogger();
const roots = new Map<string, string>();

beforeAll(async () => {
  for (const name of VENUE_NAMES) {
    const venue = venueFor(name);
    const root = await mkdtemp(join(tmpdir(), `tickstream-cache-${name}-`));
    await venue.generate({
      root,
      seed: 'cache',
      startMs: SAMPLE_START_MS,
      minutes: 3,
      symbols: venue.sampleSymbols,
    });
    roots.set(name, root);
  }
}, 60_000);

afterAll(async () => {
  for (const root of roots.values()) await rm(root, { recursive: true, force: true });
});

describe('timeline cache', () => {
  for (const name of VENUE_NAMES) {
    it(`${name}: the cached first pass is exactly the venue source's events, and a loop's next pass too`, async () => {
      const venue = venueFor(name);
      const root = roots.get(name) as string;
      const open = () => venue.openSource(root, logger);
      const direct = await open();
      const expected0 = await collect(direct, 0, 0);
      const expected1 = await collect(direct, 1, 1_000_000);
      expect(expected0.length).toBeGreaterThan(0);

      const cached = await openCachedSource({ root, exchange: venue.exchange, open, logger });
      expect(await collect(cached, 0, 0)).toEqual(expected0);
      expect(await collect(cached, 1, 1_000_000)).toEqual(expected1);
      expect(cached.symbols).toEqual(direct.symbols);
      expect(await cached.recordingStart()).toBe(await direct.recordingStart());

      // Opened again: read from the cache as compiled (no rebuild), same events.
      const meta = await stat(join(root, CACHE_DIR, venue.exchange, 'meta.json'));
      if (name === 'binance') {
        // Read a MiB at a time: lines split between two reads are among those compared.
        const timeline = await stat(join(root, CACHE_DIR, venue.exchange, 'timeline.txt'));
        expect(timeline.size).toBeGreaterThan(1 << 20);
      }
      const again = await openCachedSource({ root, exchange: venue.exchange, open, logger });
      expect(await collect(again, 0, 0)).toEqual(expected0);
      expect((await stat(join(root, CACHE_DIR, venue.exchange, 'meta.json'))).mtimeMs).toBe(meta.mtimeMs);
    }, 60_000);
  }

  it('a book update sent as a fresh snapshot carries its whole book from the side file', async () => {
    const venue = venueFor('binance');
    const root = roots.get('binance') as string;
    const open = () => venue.openSource(root, logger);
    const cached = await openCachedSource({ root, exchange: 'binance', open, logger });
    let checked = 0;
    const direct = (await open()).pass(0, 0);
    for await (const e of cached.pass(0, 0)) {
      const d = (await direct.next()).value as ReplayEvent;
      if (e.kind !== 'book_update') continue;
      const snap = asSnapshot(e);
      expect(snap.kind).toBe('book_snapshot');
      expect(snap.data).toEqual(d.full);
      expect(encodeItem(snap)).toBe(encodeItem(asSnapshot(d)));
      if (++checked >= 20) break;
    }
    await direct.return(undefined);
    expect(checked).toBe(20);
  }, 60_000);

  it('a changed recording changes the key and rebuilds the cache with the new events', async () => {
    const venue = venueFor('binance');
    const root = await mkdtemp(join(tmpdir(), 'tickstream-cache-change-'));
    try {
      await venue.generate({
        root,
        seed: 'change',
        startMs: SAMPLE_START_MS,
        minutes: 2,
        symbols: ['BTC/USDT'],
      });
      const open = () => venue.openSource(root, logger);
      const before = await recordingsKey(root, 'binance');
      const first = await collect(await openCachedSource({ root, exchange: 'binance', open, logger }), 0, 0);
      // A bad line appended to a trades recording: new size, new key; the venue source skips it.
      const tradesDir = join(root, 'binance', 'api_v3_historicalTrades', 'BTCUSDT');
      const file = join(tradesDir, (await readdir(tradesDir))[0]);
      await appendFile(file, '{"not a record"\n');
      expect(await recordingsKey(root, 'binance')).not.toBe(before);
      const rebuilt = await openCachedSource({ root, exchange: 'binance', open, logger });
      expect(await collect(rebuilt, 0, 0)).toEqual(first);
      expect(rebuilt.stats().badLines).toBe(1);
      const meta = JSON.parse(await readFile(join(root, CACHE_DIR, 'binance', 'meta.json'), 'utf8')) as {
        key: string;
      };
      expect(meta.key).toBe(await recordingsKey(root, 'binance'));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
