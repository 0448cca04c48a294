import { listRecordingFiles } from './layout.js';
import { readRecords, type ReadItem, type ReadRecordsOptions, type RecordPosition } from './reader.js';

/** One recorded series: the responses of one endpoint for one symbol on one platform. */
export interface SeriesId {
  readonly platform: string;
  /** Endpoint directory name, see `endpointName`. */
  readonly endpoint: string;
  /** The exchange's own symbol spelling. */
  readonly symbol: string;
}

export interface ReadSeriesOptions {
  /**
   * The first record to read (see `ReadRecordsOptions.from`): to resume after the last record
   * handed on, its file and `lineNumber + 1`. Default: the series' first line.
   */
  from?: RecordPosition;
  onBadLine?: ReadRecordsOptions['onBadLine'];
}

/**
 * The records of one series under storage root `root`, oldest file first, each with its
 * position, from `options.from` on. A position that does not lie in the series (its file gone,
 * past the last recording, a line beyond the file's end) fails with a `RecordPositionError`
 * naming the file and line.
 */
export async function* readSeries<T = unknown>(
  root: string,
  series: SeriesId,
  options: ReadSeriesOptions = {},
): AsyncGenerator<ReadItem<T>, void, undefined> {
  const files = await listRecordingFiles(root, series.platform, series.endpoint, series.symbol);
  yield* readRecords<T>(files, { from: options.from, onBadLine: options.onBadLine });
}

/** The first valid record of a series, or undefined when it has none. */
export async function firstRecord<T = unknown>(
  root: string,
  series: SeriesId,
): Promise<ReadItem<T> | undefined> {
  for await (const item of readSeries<T>(root, series)) return item;
  return undefined;
}
