/**
 * An indexed cache of one venue's replay timeline: the events its {@link ReplaySource} makes of
 * the recordings (first pass), compiled once into `<data>/.tickstream-cache/<platform>/` as text
 * lines of ready link items, so a publisher streams them with no JSON parse and no stringify.
 * The cache is keyed by the recordings' file list, sizes and mtimes, and rebuilt when any of them
 * changes. Each line keeps what offsets and seek need: the event's time, kind, symbol and origin
 * (series, file, line, capture time); a book update's whole book (`full`) sits in a side file,
 * read only when a publisher sends that update as a fresh snapshot.
 *
 * Line: `ts \t kind \t symbol \t origin \t lineNumber \t capturedAt \t fullOffset \t fullLength \t item`,
 * origin an index into the meta file's table (-1: none), fullOffset -1 for no `full`, item the
 * event's link item (link-wire.ts; itself tab-separated, so it is the rest of the line).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, openSync, readSync, closeSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '../core/logger.js';
import { StringInterner } from '../core/string-interner.js';
import type { Exchange } from '../core/types.js';
import { ItemEvent } from './link/item-event.js';
import { encodeItem, kindAt, tabIn, wholeNumber } from './link/link-wire.js';
import type { EventOrigin, ReplayEvent } from './events.js';
import { eventsOf, passChunks, type ReplaySource } from './source.js';

export const CACHE_DIR = '.tickstream-cache';
/** Bumped whenever the line format or a venue's transform changes what it compiles to. */
const FORMAT = 2;
const TIMELINE = 'timeline.txt';
const FULL = 'full.txt';
const META = 'meta.json';

interface CacheMeta {
  readonly format: number;
  readonly key: string;
  readonly events: number;
  readonly origins: readonly { endpoint: string; stored: string; file: string }[];
  readonly stats: Record<string, number>;
}

/** The cache key of `platform`'s recordings: every `.jsonl` under it, with size and mtime. */
export async function recordingsKey(root: string, platform: string): Promise<string> {
  const base = join(root, platform);
  const rows: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.isFile() && e.name.endsWith('.jsonl')) {
        const s = await stat(path);
        rows.push(`${relative(base, path)}\t${s.size}\t${s.mtimeMs}`);
      }
    }
  };
  await walk(base);
  rows.sort();
  return createHash('sha256')
    .update(`${FORMAT}\n${rows.join('\n')}`)
    .digest('hex');
}

export interface TimelineCacheOptions {
  readonly root: string;
  readonly exchange: Exchange;
  /** Opens the venue's own source over the recordings (compiles the cache; later passes of a loop). */
  readonly open: () => Promise<ReplaySource>;
  readonly logger: Logger;
  /**
   * Compile a missing or stale cache before the first pass (default true). Without it such a
   * cache is left alone and the venue's source plays: a paced replay gains nothing from waiting
   * for a compile.
   */
  readonly compile?: boolean;
}

/**
 * The venue's source with its first pass served from the cache (compiled first when missing or
 * stale). When the cache cannot be written (a read-only data directory), the venue's own source.
 */
export async function openCachedSource(opts: TimelineCacheOptions): Promise<ReplaySource> {
  const dir = join(opts.root, CACHE_DIR, opts.exchange);
  const key = await recordingsKey(opts.root, opts.exchange);
  let meta = await readMeta(dir, key);
  if (meta === undefined && opts.compile === false) return opts.open();
  if (meta === undefined) {
    const started = performance.now();
    try {
      meta = await compile(dir, key, await opts.open());
    } catch (err) {
      opts.logger.warn({ err, dir }, 'timeline cache could not be written; replaying from the recordings');
      return opts.open();
    }
    opts.logger.info(
      { dir, events: meta.events, ms: Math.round(performance.now() - started) },
      'timeline cache compiled',
    );
  }
  return new CachedReplaySource(opts, dir, meta, await opts.open());
}

async function readMeta(dir: string, key: string): Promise<CacheMeta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as CacheMeta;
    return meta.format === FORMAT && meta.key === key ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the timeline of `source`'s first pass; the meta file, written last, makes it valid. */
async function compile(dir: string, key: string, source: ReplaySource): Promise<CacheMeta> {
  await mkdir(dir, { recursive: true });
  await rm(join(dir, META), { force: true });
  const tmp = `.${process.pid}.${Date.now()}`;
  const timeline = new TextSink(join(dir, TIMELINE + tmp));
  const full = new TextSink(join(dir, FULL + tmp));
  const originIds = new Map<EventOrigin, number>();
  const seriesIds = new Map<string, number>();
  const origins: { endpoint: string; stored: string; file: string }[] = [];
  let events = 0;
  try {
    for await (const event of source.pass(0, 0)) {
      let origin = -1;
      const o = event.origin;
      if (o !== undefined) {
        let id = originIds.get(o);
        if (id === undefined) {
          const series = `${o.endpoint}\u0000${o.stored}\u0000${o.file}`;
          id = seriesIds.get(series);
          if (id === undefined) {
            id = origins.length;
            origins.push({ endpoint: o.endpoint, stored: o.stored, file: o.file });
            seriesIds.set(series, id);
          }
          originIds.set(o, id);
        }
        origin = id;
      }
      let fullAt = -1;
      let fullLength = 0;
      if (event.full !== undefined) {
        const text = JSON.stringify(event.full);
        fullLength = Buffer.byteLength(text);
        fullAt = await full.write(text);
      }
      const item = event.wire ?? encodeItem(event);
      await timeline.write(
        `${event.ts}\t${event.kind}\t${event.symbol}\t${origin}\t${o?.lineNumber ?? 0}\t${o?.capturedAt ?? 0}\t${fullAt}\t${fullLength}\t${item}\n`,
      );
      events++;
    }
    await timeline.close();
    await full.close();
  } catch (err) {
    await timeline.close().catch(() => undefined);
    await full.close().catch(() => undefined);
    await rm(join(dir, TIMELINE + tmp), { force: true });
    await rm(join(dir, FULL + tmp), { force: true });
    throw err;
  }
  await rename(join(dir, TIMELINE + tmp), join(dir, TIMELINE));
  await rename(join(dir, FULL + tmp), join(dir, FULL));
  const meta: CacheMeta = { format: FORMAT, key, events, origins, stats: source.stats() };
  await writeFile(join(dir, META + tmp), JSON.stringify(meta));
  await rename(join(dir, META + tmp), join(dir, META));
  return meta;
}

/** An append-only text file written through a stream, with backpressure; tells each write's byte offset. */
class TextSink {
  private readonly out;
  private offset = 0;

  constructor(path: string) {
    this.out = createWriteStream(path);
  }

  async write(text: string): Promise<number> {
    const at = this.offset;
    this.offset += Buffer.byteLength(text);
    if (!this.out.write(text)) await new Promise<void>((resolve) => this.out.once('drain', resolve));
    return at;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

/**
 * The side file of whole books, read by byte range. Its descriptor is opened on first use and
 * kept until {@link close} (the end of a pass); a read after that opens it again.
 */
class FullBooks {
  private readonly path: string;
  private fd: number | undefined;

  constructor(path: string) {
    this.path = path;
  }

  read(at: number, length: number): Buffer {
    this.fd ??= openSync(this.path, 'r');
    const buf = Buffer.allocUnsafe(length);
    readSync(this.fd, buf, 0, length, at);
    return buf;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * An event read from the cache: its link item is a slice of the chunk read (`wire`, never
 * decoded); `data`, `top` and the whole book (`full`, from the side file) are read only when asked.
 */
class CachedEvent extends ItemEvent {
  readonly wire: Buffer;
  private readonly fullAt: number;
  private readonly fullLength: number;
  private readonly books: FullBooks;

  constructor(
    exchange: Exchange,
    line: CacheLine,
    wire: Buffer,
    origin: EventOrigin | undefined,
    books: FullBooks,
  ) {
    super(exchange, line.symbol, line.ts, line.kind, origin);
    this.fullAt = line.fullAt;
    this.fullLength = line.fullLength;
    this.books = books;
    this.wire = wire;
  }

  /** The whole book's JSON bytes, from the side file: only a book sent whole needs them. */
  get fullRaw(): Buffer | undefined {
    return this.fullAt < 0 ? undefined : this.books.read(this.fullAt, this.fullLength);
  }
}

/** First pass from the cache; a loop's later passes from the venue's source, brought up to date first. */
class CachedReplaySource implements ReplaySource {
  readonly symbols: readonly string[];
  private readonly opts: TimelineCacheOptions;
  private readonly dir: string;
  private readonly meta: CacheMeta;
  private readonly inner: ReplaySource;
  private primed = false;
  private badLines = 0;

  constructor(opts: TimelineCacheOptions, dir: string, meta: CacheMeta, inner: ReplaySource) {
    this.opts = opts;
    this.dir = dir;
    this.meta = meta;
    this.inner = inner;
    this.symbols = inner.symbols;
  }

  recordingStart(): Promise<number | undefined> {
    return this.inner.recordingStart();
  }

  stats(): Record<string, number> {
    const own = this.primed ? this.inner.stats() : this.meta.stats;
    return this.badLines === 0 ? own : { ...own, badCacheLines: this.badLines };
  }

  async *pass(index: number, timeShift: number): AsyncGenerator<ReplayEvent> {
    yield* eventsOf(this.chunks(index, timeShift));
  }

  async *chunks(index: number, timeShift: number): AsyncGenerator<readonly ReplayEvent[]> {
    if (index === 0 && timeShift === 0) {
      yield* this.cached();
      return;
    }
    if (!this.primed) {
      // The venue's source keeps state pass after pass (ids, dedup): it must see the first pass too.
      for await (const _ of this.inner.pass(0, 0)) void _;
      this.primed = true;
    }
    yield* passChunks(this.inner, index, timeShift);
  }

  /** The timeline file, a read chunk at a time: each chunk's whole lines as events. */
  private async *cached(): AsyncGenerator<readonly ReplayEvent[]> {
    const books = new FullBooks(join(this.dir, FULL));
    const decoder = new TimelineDecoder(this.opts.exchange, this.meta.origins, books);
    let rest: Buffer | undefined;
    try {
      for await (const read of createReadStream(join(this.dir, TIMELINE), { highWaterMark: 1 << 20 })) {
        const chunk = read as Buffer;
        const events: ReplayEvent[] = [];
        let from = 0;
        if (rest !== undefined) {
          // The line split between two reads is joined alone; the rest of the chunk is used in place.
          const end = chunk.indexOf(NEWLINE);
          if (end < 0) {
            rest = Buffer.concat([rest, chunk]);
            continue;
          }
          decoder.lines(Buffer.concat([rest, chunk.subarray(0, end + 1)]), 0, events);
          rest = undefined;
          from = end + 1;
        }
        from = decoder.lines(chunk, from, events);
        if (from < chunk.length) rest = chunk.subarray(from);
        if (events.length > 0) yield events;
      }
      if (rest !== undefined && rest.length > 0) decoder.badLines++;
    } finally {
      books.close();
      this.badLines += decoder.badLines;
    }
  }
}

/** Makes events of cache lines, sharing one origin object per recorded response as the venue's source does. */
class TimelineDecoder {
  badLines = 0;
  private readonly exchange: Exchange;
  private readonly origins: CacheMeta['origins'];
  private readonly books: FullBooks;
  private readonly line: CacheLine = {
    ts: 0,
    kind: 'trade',
    symbol: '',
    origin: -1,
    lineNumber: 0,
    capturedAt: 0,
    fullAt: -1,
    fullLength: 0,
    itemAt: 0,
  };
  private lastId = -1;
  private lastLine = -1;
  private lastOrigin: EventOrigin | undefined;
  private readonly symbols = new StringInterner();

  constructor(exchange: Exchange, origins: CacheMeta['origins'], books: FullBooks) {
    this.exchange = exchange;
    this.origins = origins;
    this.books = books;
  }

  /** The events of the whole lines of `buf` from `from`, pushed to `out`; returns where the rest (no newline yet) starts. */
  lines(buf: Buffer, from: number, out: ReplayEvent[]): number {
    const line = this.line;
    for (;;) {
      const end = buf.indexOf(NEWLINE, from);
      if (end < 0) return from;
      const start = from;
      from = end + 1;
      if (!parseLine(buf, start, end, line, this.symbols)) {
        this.badLines++;
        continue;
      }
      out.push(
        new CachedEvent(
          this.exchange,
          line,
          buf.subarray(start + line.itemAt, end),
          this.originOf(line),
          this.books,
        ),
      );
    }
  }

  private originOf(line: CacheLine): EventOrigin | undefined {
    if (line.origin < 0) return undefined;
    if (line.origin !== this.lastId || line.lineNumber !== this.lastLine) {
      const series = this.origins[line.origin];
      this.lastOrigin =
        series === undefined
          ? undefined
          : {
              endpoint: series.endpoint,
              stored: series.stored,
              file: series.file,
              lineNumber: line.lineNumber,
              capturedAt: line.capturedAt,
            };
      this.lastId = line.origin;
      this.lastLine = line.lineNumber;
    }
    return this.lastOrigin;
  }
}

const NEWLINE = 10;
/** Where each of a line's nine fields starts (scratch of parseLine: one line at a time). */
const FIELD_STARTS = new Int32Array(9);

/** The fields of one cache line before its item (see the line format at the top). */
interface CacheLine {
  ts: number;
  kind: ReplayEvent['kind'];
  symbol: string;
  origin: number;
  lineNumber: number;
  capturedAt: number;
  fullAt: number;
  fullLength: number;
  /** Where the item starts, from the line's start. */
  itemAt: number;
}

/** Fills `out` from the cache line `buf[from, end)`, numbers parsed in place; false when it is not a whole line. */
function parseLine(buf: Buffer, from: number, end: number, out: CacheLine, symbols: StringInterner): boolean {
  const starts = FIELD_STARTS;
  let at = from;
  for (let i = 0; i < 9; i++) {
    starts[i] = at;
    if (i === 8) break;
    const tab = tabIn(buf, at, end);
    if (tab < 0) return false;
    at = tab + 1;
  }
  const ts = fieldNumber(buf, 0);
  const kind = kindAt(buf, starts[1], starts[2] - 1);
  const origin = fieldNumber(buf, 3);
  const lineNumber = fieldNumber(buf, 4);
  const capturedAt = fieldNumber(buf, 5);
  const fullAt = fieldNumber(buf, 6);
  const fullLength = fieldNumber(buf, 7);
  if (kind === undefined || Number.isNaN(ts + origin + lineNumber + capturedAt + fullAt + fullLength))
    return false;
  out.ts = ts;
  out.kind = kind;
  out.symbol = symbols.text(buf, starts[2], starts[3] - 1);
  out.origin = origin;
  out.lineNumber = lineNumber;
  out.capturedAt = capturedAt;
  out.fullAt = fullAt;
  out.fullLength = fullLength;
  out.itemAt = at - from;
  return true;
}

/** The whole number in field `i` of the line {@link parseLine} is reading. */
function fieldNumber(buf: Buffer, i: number): number {
  return wholeNumber(buf, FIELD_STARTS[i], FIELD_STARTS[i + 1] - 1);
}
