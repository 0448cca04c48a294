/**
 * Kraken recordings for tests: Depth and Trades responses from the seeded market simulator in
 * Kraken's REST shapes (src/exchanges/kraken/generate-format.ts), or hand-written records, in
 * the storage layout. Test support only (excluded from the build).
 */
import { MarketSimulator } from '../../../generate/market.js';
import { Rng } from '../../../generate/random.js';
import {
  KRAKEN_DEPTH_PATH,
  KRAKEN_TRADES_PATH,
  KrakenRestFormatter,
  KrakenTradesPoller,
} from '../generate-format.js';
import { krakenProfileFor } from '../profiles.js';
import { KRAKEN_DEPTH_ENDPOINT, KRAKEN_PLATFORM, KRAKEN_TRADES_ENDPOINT } from '../replay-source.js';
import { KRAKEN_PAIRS } from '../symbols.js';
import type { RecordedResponse } from '../../../storage/record.js';
import { RecordingWriter } from '../../../storage/writer.js';

export interface KrakenSampleOptions {
  readonly root: string;
  readonly symbols: readonly string[];
  readonly startMs: number;
  readonly seconds: number;
  readonly seed?: string;
  /** Levels a side of each Depth (default 100). */
  readonly depthCount?: number;
  /** Between Depth captures (default 1000 ms). */
  readonly depthEveryMs?: number;
  /** Between Trades polls (default 5000 ms); each overlaps the previous by 1 s. */
  readonly tradesEveryMs?: number;
}

/** Writes `seconds` of recordings per symbol; resolves when the files are closed. */
export async function writeKrakenSample(opts: KrakenSampleOptions): Promise<void> {
  const depthEvery = opts.depthEveryMs ?? 1000;
  const tradesEvery = opts.tradesEveryMs ?? 5000;
  for (const symbol of opts.symbols) {
    const pair = KRAKEN_PAIRS.get(symbol);
    const profile = krakenProfileFor(pair.symbol);
    const formatter = new KrakenRestFormatter(profile, pair);
    const poller = new KrakenTradesPoller(formatter, 1000, 1000);
    const sim = new MarketSimulator({
      profile,
      rng: new Rng(opts.seed ?? 'kraken-sample').fork(pair.symbol),
      startMs: opts.startMs - 60_000,
      onTrade: (trade) => poller.record(trade),
    });
    const depth = writer(opts.root, KRAKEN_DEPTH_ENDPOINT, pair.symbol);
    const trades = writer(opts.root, KRAKEN_TRADES_ENDPOINT, pair.symbol);
    const end = opts.startMs + opts.seconds * 1000;
    for (let t = opts.startMs; t <= end; t += Math.min(depthEvery, tradesEvery)) {
      sim.advanceTo(t);
      const since = t - opts.startMs;
      if (since % depthEvery === 0) {
        const data = formatter.depth(sim, opts.depthCount ?? 100, t);
        void depth.write({
          ts: t,
          request: { path: KRAKEN_DEPTH_PATH, params: { pair: pair.altname } },
          data,
        });
      }
      if (since % tradesEvery === 0) {
        const poll = poller.poll();
        void trades.write({
          ts: t,
          request: { path: KRAKEN_TRADES_PATH, params: poll.params },
          data: poll.body,
        });
      }
    }
    await Promise.all([depth.close(), trades.close()]);
  }
}

function writer(root: string, endpoint: string, symbol: string): RecordingWriter {
  return new RecordingWriter({ root, platform: KRAKEN_PLATFORM, endpoint, symbol, fsync: false });
}

/** Writes hand-made records of one endpoint and pair. */
export async function writeKrakenRecords(
  root: string,
  endpoint: string,
  symbol: string,
  records: ReadonlyArray<Omit<RecordedResponse, 'request'> & { request?: RecordedResponse['request'] }>,
): Promise<void> {
  const w = writer(root, endpoint, symbol);
  for (const r of records) {
    await w.write({ ts: r.ts, request: r.request ?? { path: `/${endpoint}`, params: {} }, data: r.data });
  }
  await w.close();
}
