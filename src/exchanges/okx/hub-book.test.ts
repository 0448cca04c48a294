/**
 * The `books` stream end to end on a real hub: every message's checksum is recomputed from the
 * book the client rebuilds from the messages alone, the sequence chain holds on every message
 * (snapshot -1, then prevSeqId = the previous seqId), and after each event the rebuilt book is
 * the book the events describe (a model kept here, independent of the hub's book).
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { okxBookChecksum } from './checksum.js';
import {
  OkxTestClient,
  okxBookEvent,
  startOkxHub,
  type Frame,
  type RunningOkxHub,
} from './test-support/hub.js';
import type { OkxLevel } from './wire.js';

let hub: RunningOkxHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** A book kept by price text: what the client and the model hold. */
type Side = Map<string, OkxLevel>;

function applyLevels(side: Side, levels: readonly OkxLevel[]): void {
  for (const l of levels) {
    if (Number(l[1]) === 0) side.delete(l[0]);
    else side.set(l[0], l);
  }
}

function sorted(side: Side, descending: boolean, depth = Infinity): OkxLevel[] {
  return [...side.values()].sort((a, b) => (descending ? +b[0] - +a[0] : +a[0] - +b[0])).slice(0, depth);
}

/** What a client does with `books` messages: check the chain, rebuild, verify the checksum. */
class BookClient {
  readonly bids: Side = new Map();
  readonly asks: Side = new Map();
  seqId: number | undefined;
  messages = 0;
  keepalives = 0;

  take(frame: Frame): void {
    const arg = frame.arg as { channel: string };
    if (arg.channel !== 'books') throw new Error(`not a books push: ${JSON.stringify(frame)}`);
    const data = (frame.data as Array<Record<string, unknown>>)[0];
    const prevSeqId = data.prevSeqId as number;
    const seqId = data.seqId as number;
    expect(typeof data.checksum).toBe('number');
    if (frame.action === 'snapshot') {
      expect(prevSeqId).toBe(-1);
      this.bids.clear();
      this.asks.clear();
    } else {
      expect(frame.action).toBe('update');
      expect(prevSeqId).toBe(this.seqId);
      if (seqId === prevSeqId) this.keepalives++;
      else expect(seqId).toBeGreaterThan(prevSeqId);
    }
    this.seqId = seqId;
    applyLevels(this.bids, data.bids as OkxLevel[]);
    applyLevels(this.asks, data.asks as OkxLevel[]);
    const bids = sorted(this.bids, true, 25).map((l) => [l[0], l[1]] as const);
    const asks = sorted(this.asks, false, 25).map((l) => [l[0], l[1]] as const);
    expect(data.checksum).toBe(okxBookChecksum(bids, asks));
    this.messages++;
  }
}

/** Seeded book events on BTC-USDT's 0.1 grid: bids below 105, asks from 105 up. */
function bookEvents(seed: number, steps: number, levelsPerSide: number) {
  const rng = fc.sample(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { seed, numRuns: steps * 8 + 4 });
  let r = 0;
  const next = (n: number) => rng[r++ % rng.length] % n;
  const px = (side: 'bid' | 'ask', i: number) =>
    (side === 'bid' ? (1049 - i) / 10 : (1050 + i) / 10).toFixed(1);
  const level = (side: 'bid' | 'ask', i: number): OkxLevel => [
    px(side, i),
    `${1 + next(50)}.${next(10000)}`.replace(/\.?0+$/, '') || '1',
    '0',
    String(1 + next(9)),
  ];
  const snapshot = {
    bids: Array.from({ length: levelsPerSide }, (_, i) => level('bid', i)),
    asks: Array.from({ length: levelsPerSide }, (_, i) => level('ask', i)),
  };
  const updates = Array.from({ length: steps }, () => {
    const change = { bids: [] as OkxLevel[], asks: [] as OkxLevel[] };
    for (let k = 0; k < 1 + next(4); k++) {
      const side = next(2) === 0 ? 'bid' : 'ask';
      const i = next(levelsPerSide + 10);
      const l: OkxLevel = next(3) === 0 ? [px(side, i), '0', '0', '0'] : level(side, i);
      (side === 'bid' ? change.bids : change.asks).push(l);
    }
    return change;
  });
  return { snapshot, updates };
}

const INST = 'BTC-USDT';

async function subscribeBooks(url: string): Promise<OkxTestClient> {
  const c = await OkxTestClient.connect(url);
  c.send({ op: 'subscribe', args: [{ channel: 'books', instId: INST }] });
  expect(await c.next()).toMatchObject({ event: 'subscribe', arg: { channel: 'books', instId: INST } });
  return c;
}

async function runStream(seed: number, steps: number, levelsPerSide: number, depth: number): Promise<void> {
  hub = await startOkxHub();
  const early = await subscribeBooks(hub.publicUrl);
  const { snapshot, updates } = bookEvents(seed, steps, levelsPerSide);
  const model = { bids: new Map() as Side, asks: new Map() as Side };
  const client = new BookClient();
  let late: { socket: OkxTestClient; book: BookClient } | undefined;
  const check = async (expected: typeof model) => {
    for (const f of await early.barrier()) client.take(f);
    expect(sorted(client.bids, true)).toEqual(sorted(expected.bids, true, depth));
    expect(sorted(client.asks, false)).toEqual(sorted(expected.asks, false, depth));
    if (late !== undefined) {
      for (const f of await late.socket.barrier()) late.book.take(f);
      expect(sorted(late.book.bids, true)).toEqual(sorted(expected.bids, true, depth));
    }
  };
  let ts = 1_700_000_000_000;
  hub.push(okxBookEvent(INST, ts, 'book_snapshot', snapshot.bids, snapshot.asks));
  applyLevels(model.bids, snapshot.bids);
  applyLevels(model.asks, snapshot.asks);
  await check(model);
  for (let i = 0; i < updates.length; i++) {
    ts += 100;
    hub.push(okxBookEvent(INST, ts, 'book_update', updates[i].bids, updates[i].asks));
    applyLevels(model.bids, updates[i].bids);
    applyLevels(model.asks, updates[i].asks);
    if (i === Math.floor(updates.length / 2)) {
      // A subscriber joining late: the current book first, then the same updates as the others.
      const socket = await subscribeBooks(hub.publicUrl);
      late = { socket, book: new BookClient() };
    }
    await check(model);
  }
  expect(client.messages).toBeGreaterThan(steps / 2);
  expect(late?.book.messages).toBeGreaterThan(0);
}

describe('OKX hub books stream', () => {
  it('every message checks and chains, and the rebuilt book is the events’ book after each event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
        await runStream(seed, 120, 40, Infinity);
        await hub?.close();
        hub = undefined;
      }),
      { numRuns: 4 },
    );
  });

  it('a book deeper than 400 levels reaches the client as its top 400, levels leaving it deleted', async () => {
    await runStream(7, 60, 420, 400);
  });

  it('sends the no-change update on quiet ticks, repeating seqId, and seqId keeps rising on a new pass', async () => {
    hub = await startOkxHub({ rules: { tickMs: 50 } });
    const c = await subscribeBooks(hub.publicUrl);
    const { snapshot, updates } = bookEvents(3, 2, 10);
    hub.push(okxBookEvent(INST, 1_000, 'book_snapshot', snapshot.bids, snapshot.asks));
    hub.push(okxBookEvent(INST, 1_100, 'book_update', updates[0].bids, updates[0].asks));
    const client = new BookClient();
    await new Promise((r) => setTimeout(r, 300));
    for (const f of await c.barrier()) client.take(f);
    expect(client.keepalives).toBeGreaterThanOrEqual(1);
    const before = client.seqId as number;
    // `--loop`: the next pass starts with a snapshot again; the sequence goes on.
    hub.push(okxBookEvent(INST, 2_000, 'book_snapshot', snapshot.bids, snapshot.asks));
    const [frame] = await c.barrier();
    expect(frame).toMatchObject({ action: 'snapshot' });
    const data = (frame.data as Array<{ seqId: number; prevSeqId: number }>)[0];
    expect(data.prevSeqId).toBe(-1);
    expect(data.seqId).toBeGreaterThan(before);
  });
});
