/**
 * Alpaca recordings for tests: hand-made pages of the historical REST API in the storage layout,
 * and a reader of what a generated dataset holds. Test support only (excluded from the build).
 */
import { listRecordingFiles } from '../../../storage/layout.js';
import { readRecords } from '../../../storage/reader.js';
import type { RecordedResponse } from '../../../storage/record.js';
import { RecordingWriter } from '../../../storage/writer.js';
import { ALPACA_PLATFORM } from '../replay-source.js';
import type { AlpacaRestBar, AlpacaRestQuote, AlpacaRestTrade } from '../wire.js';

export type AlpacaSeries = 'trades' | 'quotes' | 'bars';

/** A recorded page body: `{"<series>":[…]|null,"symbol":…,"next_page_token":…}`. */
export type AlpacaPage<T> = Record<string, unknown> & { symbol: string; next_page_token: string | null } & {
  [series in AlpacaSeries]?: T[] | null;
};

/** The page body of `items` (`null` when there are none, as an empty window answers). */
export function page<T>(
  series: AlpacaSeries,
  symbol: string,
  items: readonly T[],
  next: string | null = null,
): AlpacaPage<T> {
  return { [series]: items.length === 0 ? null : [...items], symbol, next_page_token: next } as AlpacaPage<T>;
}

export function trade(t: string, x: string, i: number, p = 255.5, s = 100): AlpacaRestTrade {
  return { t, x, p, s, c: s < 100 ? ['@', 'I'] : ['@'], i, z: 'C' };
}

export function quote(t: string, bp = 255.5, ap = 255.51): AlpacaRestQuote {
  return { t, ax: 'Q', ap, as: 200, bx: 'P', bp, bs: 300, c: ['R'], z: 'C' };
}

export function bar(t: string, c = 255.5): AlpacaRestBar {
  return { t, o: c, h: c, l: c, c, v: 100, n: 1, vw: c };
}

/** Writes hand-made records of one endpoint (`v2_stocks_trades`) and symbol. */
export async function writeAlpacaRecords(
  root: string,
  endpoint: string,
  symbol: string,
  records: ReadonlyArray<Omit<RecordedResponse, 'request'> & { request?: RecordedResponse['request'] }>,
): Promise<void> {
  const w = new RecordingWriter({ root, platform: ALPACA_PLATFORM, endpoint, symbol, fsync: false });
  for (const r of records) {
    const path = `/${endpoint.replace('v2_stocks_', `v2/stocks/${symbol}/`)}`;
    await w.write({ ts: r.ts, request: r.request ?? { path, params: {} }, data: r.data });
  }
  await w.close();
}

/** Every record of one endpoint and symbol under `root`, in file order. */
export async function readAlpacaRecords<T>(
  root: string,
  endpoint: string,
  symbol: string,
): Promise<RecordedResponse<AlpacaPage<T>>[]> {
  const out: RecordedResponse<AlpacaPage<T>>[] = [];
  const files = await listRecordingFiles(root, ALPACA_PLATFORM, endpoint, symbol);
  for await (const { record } of readRecords<AlpacaPage<T>>(files)) out.push(record);
  return out;
}

/** The items of a series across its records, in order. */
export function itemsOf<T>(records: readonly RecordedResponse<AlpacaPage<T>>[], series: AlpacaSeries): T[] {
  return records.flatMap((r) => r.data[series] ?? []);
}
