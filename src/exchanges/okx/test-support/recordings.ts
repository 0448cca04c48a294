/**
 * OKX recordings for tests: books and trades answers from the seeded market simulator in OKX's
 * REST shapes (src/exchanges/okx/generate-format.ts), or hand-written records, in the storage
 * layout. Test support only (excluded from the build).
 */
import { MarketSimulator } from '../../../generate/market.js';
import { Rng } from '../../../generate/random.js';
import type { RecordedResponse } from '../../../storage/record.js';
import { RecordingWriter } from '../../../storage/writer.js';
import {
  OKX_BOOKS_DEPTH,
  OKX_BOOKS_PATH,
  OKX_TRADES_DEFAULT_LIMIT,
  OKX_TRADES_PATH,
  OkxRestFormatter,
  OkxTradeTape,
} from '../generate-format.js';
import { okxProfileFor } from '../profiles.js';
import { OKX_BOOKS_ENDPOINT, OKX_PLATFORM, OKX_TRADES_ENDPOINT } from '../replay-source.js';

export interface OkxSampleOptions {
  readonly root: string;
  /** instIds (`BTC-USDT`). */
  readonly instruments: readonly string[];
  readonly startMs: number;
  readonly seconds: number;
  readonly seed?: string;
  /** Levels a side of each books answer (default 400). */
  readonly depth?: number;
  /** Between books captures (default 1000 ms). */
  readonly booksEveryMs?: number;
  /** Between trades polls (default 5000 ms). */
  readonly tradesEveryMs?: number;
  /** `limit` of each trades poll (default 100). */
  readonly tradesLimit?: number;
}

/** Writes `seconds` of recordings per instrument; resolves when the files are closed. */
export async function writeOkxSample(opts: OkxSampleOptions): Promise<void> {
  const booksEvery = opts.booksEveryMs ?? 1000;
  const tradesEvery = opts.tradesEveryMs ?? 5000;
  const depth = opts.depth ?? OKX_BOOKS_DEPTH;
  const limit = opts.tradesLimit ?? OKX_TRADES_DEFAULT_LIMIT;
  for (const instId of opts.instruments) {
    const profile = okxProfileFor(instId);
    const formatter = new OkxRestFormatter(profile);
    const tape = new OkxTradeTape(formatter, limit);
    const sim = new MarketSimulator({
      profile,
      rng: new Rng(opts.seed ?? 'okx-sample').fork(instId),
      startMs: opts.startMs - 60_000,
      onTrade: (trade) => tape.record(trade),
    });
    const books = writer(opts.root, OKX_BOOKS_ENDPOINT, instId);
    const trades = writer(opts.root, OKX_TRADES_ENDPOINT, instId);
    const end = opts.startMs + opts.seconds * 1000;
    for (let t = opts.startMs; t <= end; t += Math.min(booksEvery, tradesEvery)) {
      sim.advanceTo(t);
      const since = t - opts.startMs;
      if (since % booksEvery === 0) {
        await books.write({
          ts: t,
          request: { path: OKX_BOOKS_PATH, params: { instId, sz: depth } },
          data: formatter.books(sim, depth, t),
        });
      }
      if (since % tradesEvery === 0) {
        await trades.write({
          ts: t,
          request: { path: OKX_TRADES_PATH, params: { instId, limit } },
          data: tape.page(),
        });
      }
    }
    await Promise.all([books.close(), trades.close()]);
  }
}

function writer(root: string, endpoint: string, instId: string): RecordingWriter {
  return new RecordingWriter({ root, platform: OKX_PLATFORM, endpoint, symbol: instId, fsync: false });
}

/** Writes hand-made records of one endpoint and instrument. */
export async function writeOkxRecords(
  root: string,
  endpoint: string,
  instId: string,
  records: ReadonlyArray<Omit<RecordedResponse, 'request'> & { request?: RecordedResponse['request'] }>,
): Promise<void> {
  const w = writer(root, endpoint, instId);
  for (const r of records) {
    await w.write({ ts: r.ts, request: r.request ?? { path: `/${endpoint}`, params: {} }, data: r.data });
  }
  await w.close();
}
