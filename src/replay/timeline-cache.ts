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
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../core/logger.js';
import type { Exchange } from '../core/types.js';
import { encodeItem, itemFields } from './link/link-wire.js';
import type { BookTop, EventOrigin, ReplayEvent } from './events.js';
import type { ReplaySource } from './source.js';

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

/** An event read from the cache: `data` and `full` are decoded only when asked for. */
class CachedEvent implements ReplayEvent {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly ts: number;
  readonly kind: ReplayEvent['kind'];
  readonly origin: EventOrigin | undefined;
  readonly wire: string;
  private readonly fullAt: number;
  private readonly fullLength: number;
  private readonly fullFile: string;

  constructor(
    exchange: Exchange,
    fields: readonly string[],
    origin: EventOrigin | undefined,
    fullFile: string,
  ) {
    this.exchange = exchange;
    this.ts = +fields[0];
    this.kind = fields[1] as ReplayEvent['kind'];
    this.symbol = fields[2];
    this.origin = origin;
    this.fullAt = +fields[6];
    this.fullLength = +fields[7];
    this.fullFile = fullFile;
    this.wire = fields[8];
  }

  get top(): BookTop | undefined {
    return itemFields(this.wire).top;
  }

  get data(): unknown {
    return JSON.parse(itemFields(this.wire).data) as unknown;
  }

  /** Read from the side file: only a book sent as a fresh snapshot needs it. */
  get full(): unknown {
    if (this.fullAt < 0) return undefined;
    const buf = Buffer.allocUnsafe(this.fullLength);
    const fd = openSync(this.fullFile, 'r');
    try {
      readSync(fd, buf, 0, this.fullLength, this.fullAt);
    } finally {
      closeSync(fd);
    }
    return JSON.parse(buf.toString('utf8')) as unknown;
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
    if (index === 0 && timeShift === 0) {
      yield* this.cached();
      return;
    }
    if (!this.primed) {
      // The venue's source keeps state pass after pass (ids, dedup): it must see the first pass too.
      for await (const _ of this.inner.pass(0, 0)) void _;
      this.primed = true;
    }
    yield* this.inner.pass(index, timeShift);
  }

  private async *cached(): AsyncGenerator<ReplayEvent> {
    const { exchange } = this.opts;
    const fullFile = join(this.dir, FULL);
    // One origin object per recorded response, as the venue's source shares it between its events.
    let lastKey = '';
    let lastOrigin: EventOrigin | undefined;
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of createReadStream(join(this.dir, TIMELINE), { highWaterMark: 1 << 20 })) {
      const text = rest + decoder.write(chunk as Buffer);
      let from = 0;
      for (;;) {
        const end = text.indexOf('\n', from);
        if (end < 0) break;
        const fields = splitFields(text, from, end);
        from = end + 1;
        if (fields === undefined) {
          this.badLines++;
          continue;
        }
        const id = +fields[3];
        let origin: EventOrigin | undefined;
        if (id >= 0) {
          const key = `${id}\t${fields[4]}`;
          if (key !== lastKey) {
            const series = this.meta.origins[id];
            lastOrigin =
              series === undefined
                ? undefined
                : { ...series, lineNumber: +fields[4], capturedAt: +fields[5] };
            lastKey = key;
          }
          origin = lastOrigin;
        }
        yield new CachedEvent(exchange, fields, origin, fullFile);
      }
      rest = text.slice(from);
    }
  }
}

/** The nine tab-separated fields of the line `text[from, end)`; undefined when it has fewer. */
function splitFields(text: string, from: number, end: number): string[] | undefined {
  const out = new Array<string>(9);
  let at = from;
  for (let i = 0; i < 8; i++) {
    const tab = text.indexOf('\t', at);
    if (tab < 0 || tab >= end) return undefined;
    out[i] = text.slice(at, tab);
    at = tab + 1;
  }
  out[8] = text.slice(at, end);
  return out;
}
