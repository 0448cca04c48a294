/**
 * The hub's Binance book kept deferred (bytes off the link, applied only when read) against the
 * same book applied event by event: every read must give the same answer, whatever the reads'
 * rhythm, and a book nobody reads must not be parsed per diff.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import type { ReplayEvent } from '../../replay/events.js';
import { decodeBatch, encodeBatch, encodeItem, withFull } from '../../replay/link/link-wire.js';
import { generateBinanceDataset } from './generate.js';
import { BinanceMarketState } from './market-state.js';
import { depthUpdateIds, snapshotUpdateId } from './raw-ids.js';
import { BinanceReplaySource } from './replay-source.js';
import type { BinanceDepthUpdateEvent, BinanceRestDepth } from './wire.js';

let root: string;
let events: ReplayEvent[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-deferred-book-'));
  await generateBinanceDataset({
    root,
    seed: 'deferred-book',
    startMs: Date.UTC(2026, 0, 5, 14),
    minutes: 3,
    symbols: ['BTCUSDT'],
  });
  const source = await BinanceReplaySource.open(root, silentLogger());
  events = [];
  for await (const e of source.pass(0, 0)) if (e.kind !== 'trade') events.push(e);
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** `events` as the hub gets them over the link: a whole book on every `fullEvery`-th update. */
function overTheLink(list: readonly ReplayEvent[], fullEvery: number): ReplayEvent[] {
  let since = 0;
  const items = list.map((e) => {
    const item = encodeItem(e);
    if (e.kind !== 'book_update') return item;
    since++;
    if (since < fullEvery) return item;
    since = 0;
    return withFull(item, JSON.stringify(e.full));
  });
  const batch = decodeBatch('binance', Buffer.from(encodeBatch(1, 0, items)));
  if (typeof batch === 'string') throw new Error(batch);
  return batch.items.map((i) => {
    if (typeof i === 'string' || !('event' in i)) throw new Error(`not an event: ${JSON.stringify(i)}`);
    return i.event;
  });
}

function applyEager(state: BinanceMarketState, e: ReplayEvent): void {
  if (e.kind === 'book_snapshot') state.applySnapshot(e.data as BinanceRestDepth);
  else state.applyUpdate(e.data as BinanceDepthUpdateEvent);
}

function applyDeferred(state: BinanceMarketState, e: ReplayEvent): void {
  const raw = e.raw as Buffer;
  if (e.kind === 'book_snapshot') {
    state.deferSnapshot(raw, snapshotUpdateId(raw) as number, e.top);
    return;
  }
  const ids = depthUpdateIds(raw);
  if (ids === undefined) throw new Error('a depthUpdate off the link shows no ids');
  state.deferUpdate(raw, ids, e.fullRaw, e.top);
}

describe('a deferred Binance book', () => {
  it.each([
    { fullEvery: 3, readEvery: 1 },
    { fullEvery: 8, readEvery: 5 },
    { fullEvery: 64, readEvery: 40 },
  ])(
    'reads like the book applied event by event (whole book every $fullEvery, read every $readEvery)',
    ({ fullEvery, readEvery }) => {
      const eager = new BinanceMarketState('BTCUSDT');
      const deferred = new BinanceMarketState('BTCUSDT');
      const linked = overTheLink(events, fullEvery);
      expect(linked.length).toBeGreaterThan(100);
      for (let i = 0; i < events.length; i++) {
        applyEager(eager, events[i]);
        applyDeferred(deferred, linked[i]);
        expect(deferred.lastUpdateId).toBe(eager.lastUpdateId);
        expect(deferred.bookTicker()).toEqual(eager.bookTicker());
        expect(deferred.isCrossed()).toBe(eager.isCrossed());
        if (i % readEvery === 0) expect(deferred.depth(5000)).toEqual(eager.depth(5000));
      }
      expect(deferred.depth(5000)).toEqual(eager.depth(5000));
    },
  );

  it('parses nothing per diff while nobody reads the whole book', () => {
    const state = new BinanceMarketState('BTCUSDT');
    const linked = overTheLink(events, 64);
    for (const e of linked) {
      applyDeferred(state, e);
      state.bookTicker();
    }
    expect(state.deferredCounts()).toEqual({ loads: 0, applied: 0 });
    state.depth(10);
    const { loads, applied } = state.deferredCounts();
    expect(loads).toBe(1);
    expect(applied).toBeLessThan(64);
  });

  it('refuses a diff that does not continue it, as the applied book does', () => {
    const state = new BinanceMarketState('BTCUSDT');
    const linked = overTheLink(events, 64);
    applyDeferred(state, linked[0]);
    expect(() => applyDeferred(state, linked[2])).toThrow(/does not follow/);
    applyDeferred(state, linked[1]);
    expect(state.lastUpdateId).toBe((events[1].data as BinanceDepthUpdateEvent).u);
  });
});

describe('update ids read from the bytes', () => {
  const fixture = (name: string) =>
    readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8')
      .split('\n')
      .filter((l) => l.includes('{'))
      .map((l) => l.slice(l.indexOf('{')));

  it('are the parsed U and u of real depthUpdate events', () => {
    const lines = fixture('btcusdt-depth-raw.jsonl');
    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) {
      const parsed = JSON.parse(line) as BinanceDepthUpdateEvent;
      expect(depthUpdateIds(Buffer.from(line))).toEqual({ first: parsed.U, last: parsed.u });
    }
  });

  it('are the parsed lastUpdateId of real REST depth bodies', () => {
    const lines = fixture('depth-snapshots.http.txt');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const parsed = JSON.parse(line) as BinanceRestDepth;
      expect(snapshotUpdateId(Buffer.from(line))).toBe(parsed.lastUpdateId);
    }
  });

  it('are unknown when the bytes do not show them in their head', () => {
    expect(depthUpdateIds(Buffer.from('{"e":"depthUpdate","b":[],"a":[]}'))).toBeUndefined();
    expect(depthUpdateIds(Buffer.from(`{"pad":"${'x'.repeat(200)}","U":1,"u":2}`))).toBeUndefined();
    expect(snapshotUpdateId(Buffer.from('{"lastUpdateId":"12"}'))).toBeUndefined();
  });
});
