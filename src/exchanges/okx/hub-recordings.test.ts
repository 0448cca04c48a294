/**
 * End to end over recordings: the generator's REST books → the replay source's snapshot and
 * diffs → the hub's `books` channel → a client rebuilding the book from nothing but what it
 * received. For several seeds, after every recorded book the client's book equals that REST book
 * exactly (every level, all four fields), every message's checksum is the client's own
 * computation, and `prevSeqId` always continues the previous `seqId`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { listRecordingFiles } from '../../storage/layout.js';
import { readRecords } from '../../storage/reader.js';
import { okxBookChecksum } from './checksum.js';
import { OKX_BOOKS_ENDPOINT, OKX_PLATFORM, OkxReplaySource } from './replay-source.js';
import { writeOkxSample } from './test-support/recordings.js';
import { OkxTestClient, startOkxHub, type Frame, type RunningOkxHub } from './test-support/hub.js';
import type { OkxBookData, OkxLevel, OkxRestBody, OkxRestBook } from './wire.js';

const INSTRUMENTS = ['BTC-USDT', 'ETH-USDT'];
const START_MS = Date.UTC(2026, 2, 2, 14);

let root: string;
let hub: RunningOkxHub;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tickstream-okx-e2e-'));
  hub = await startOkxHub();
});

afterAll(async () => {
  await hub?.close();
  await rm(root, { recursive: true, force: true });
});

/** A client's book: price text → level, per side; sorted on read. */
class RebuiltBook {
  private readonly bids = new Map<string, OkxLevel>();
  private readonly asks = new Map<string, OkxLevel>();

  apply(data: OkxBookData, snapshot: boolean): void {
    if (snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [side, levels] of [
      [this.bids, data.bids],
      [this.asks, data.asks],
    ] as const) {
      for (const level of levels) {
        if (Number(level[1]) === 0) side.delete(level[0]);
        else side.set(level[0], level);
      }
    }
  }

  sides(): { bids: OkxLevel[]; asks: OkxLevel[] } {
    return {
      bids: [...this.bids.values()].sort((a, b) => +b[0] - +a[0]),
      asks: [...this.asks.values()].sort((a, b) => +a[0] - +b[0]),
    };
  }
}

async function recordedBooks(dir: string, instId: string): Promise<OkxRestBook[]> {
  const files = await listRecordingFiles(dir, OKX_PLATFORM, OKX_BOOKS_ENDPOINT, instId);
  const books: OkxRestBook[] = [];
  for await (const { record } of readRecords<OkxRestBody<OkxRestBook>>(files))
    books.push(record.data.data[0]);
  return books;
}

describe('OKX hub books over recordings', () => {
  it('rebuild every recorded REST book exactly, with the checksum and seqId chain checked on every message', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 8 }), async (seed) => {
        const dir = join(root, `run-${run++}`);
        await writeOkxSample({ root: dir, instruments: INSTRUMENTS, startMs: START_MS, seconds: 20, seed });
        const source = await OkxReplaySource.open(dir, silentLogger());
        const truth = new Map(
          await Promise.all(INSTRUMENTS.map(async (i) => [i, await recordedBooks(dir, i)] as const)),
        );
        const client = await OkxTestClient.connect(hub.publicUrl);
        try {
          client.send({ op: 'subscribe', args: INSTRUMENTS.map((instId) => ({ channel: 'books', instId })) });
          await client.barrier();
          const books = new Map(INSTRUMENTS.map((i) => [i, new RebuiltBook()]));
          const lastSeq = new Map<string, number>();
          const seen = new Map(INSTRUMENTS.map((i) => [i, 0]));
          let messages = 0;
          const check = (frame: Frame): void => {
            const arg = frame.arg as { channel: string; instId: string };
            if (arg?.channel !== 'books') return;
            const data = (frame.data as OkxBookData[])[0];
            const snapshot = frame.action === 'snapshot';
            if (snapshot) expect(data.prevSeqId).toBe(-1);
            else expect(data.prevSeqId).toBe(lastSeq.get(arg.instId));
            lastSeq.set(arg.instId, data.seqId);
            const book = books.get(arg.instId)!;
            book.apply(data, snapshot);
            const { bids, asks } = book.sides();
            expect(data.checksum).toBe(okxBookChecksum(bids, asks));
            messages++;
          };
          for await (const event of source.pass(0, 0)) {
            hub.push(event);
            if (event.kind === 'trade') continue;
            for (const frame of await client.barrier()) check(frame);
            const i = seen.get(event.symbol)!;
            seen.set(event.symbol, i + 1);
            const recorded = truth.get(event.symbol)![i];
            expect(books.get(event.symbol)!.sides()).toEqual({ bids: recorded.bids, asks: recorded.asks });
          }
          for (const instId of INSTRUMENTS) expect(seen.get(instId)).toBe(truth.get(instId)!.length);
          expect(messages).toBeGreaterThan(2 * 15);
        } finally {
          client.close();
        }
      }),
      { numRuns: 3 },
    );
  }, 60_000);
});
