/**
 * The publisher → hub link: text WebSocket frames of JSON, at `ws://<hub>/_link/<exchange>`.
 *
 * Publisher → hub:
 * - `{"t":"hello","exchange","pid","symbols":[…]}` once per connection;
 * - a batch: the head line `{"t":"b","seq":n,"at":<wall ms of the oldest item>,"n":<items>}`, then
 *   one item per line, its fields tab-separated: `ts kind symbol top data [full]` (a replay
 *   event: `top` is `bid,bidQty,ask,askQty` or empty, `data` and the optional `full` are JSON),
 *   `ts adv` (the replay clock moved on) or `ts seek` (the replay was seeked to ts: the venue's
 *   clock starts again there). JSON text holds no raw tab or newline, so the hub splits a batch
 *   without parsing it, and a venue can forward an event's `data` bytes as they are;
 * - `{"t":"status",…PublisherState}` every few seconds and after a control action;
 * - `{"t":"reply","id","ok":true|false,"error"?}` to a control message.
 * Hub → publisher: `{"t":"welcome","fresh"}` on connect (fresh: the hub has no state of the
 * exchange, so every book must start again from a whole snapshot), `{"t":"ack","seq"}` once the
 * batches up to `seq` were pushed into the venue (cumulative: one ack per turn of the hub), and
 * `{"t":"control","id","action":"pause"|"resume"|"seek"|"speed","to"?,"speed"?}`.
 *
 * Items are serialized once, where they are made (the transform buffer, or the timeline cache),
 * and a batch is their texts joined: no second stringify of the events. A `book_update` carries
 * its whole book (`full`) every so many updates of its symbol, so a hub that defers its book
 * rebuilds it from the last whole one and the diffs since, whenever it is asked.
 */
import type { Speed } from '../../config/schema.js';
import { StringInterner } from '../../core/string-interner.js';
import type { Exchange } from '../../core/types.js';
import type { DropReason } from '../hub-observer.js';
import { dataText, topOf, type BookTop, type ReplayEvent } from '../events.js';

export const LINK_PATH_PREFIX = '/_link/';

export type EventKind = ReplayEvent['kind'];
const KIND_NAMES: readonly EventKind[] = ['trade', 'book_snapshot', 'book_update', 'quote', 'bar'];

/** A publisher's run as it reports it (`GET /control/replay` shows it per exchange). */
export interface PublisherState {
  readonly exchange: Exchange;
  readonly pid: number;
  readonly state: 'playing' | 'paused' | 'finished';
  readonly speed: Speed;
  /** Replay time of the last event published, ms; null before the first. */
  readonly replayTime: number | null;
  readonly published: number;
  readonly skipped: number;
  readonly passes: number;
  readonly seeks: number;
  /** Per series (`endpoint/symbol`): messages of it published or skipped so far. */
  readonly positions: Readonly<Record<string, number>>;
  readonly rssBytes: number;
  /** JS heap in use after the latest full collection, bytes; absent before one. */
  readonly heapLiveBytes?: number;
  readonly cpuPercent: number;
  readonly messagesPerSecond: number;
  /** Buffered messages dropped, by reason and then symbol. */
  readonly drops: Readonly<Partial<Record<DropReason, Readonly<Record<string, number>>>>>;
  readonly buffers: Readonly<Record<'transform' | 'send' | 'reconnect', { messages: number; bytes: number }>>;
}

export type ControlAction =
  | { readonly action: 'pause' }
  | { readonly action: 'resume' }
  | { readonly action: 'seek'; readonly to: number }
  | { readonly action: 'speed'; readonly speed: Speed };

export type HubToPublisher =
  | { readonly t: 'ack'; readonly seq: number }
  /** On connect: `fresh` when the hub holds no state of the exchange yet (a new hub): books start from snapshots. */
  | { readonly t: 'welcome'; readonly fresh: boolean }
  | ({ readonly t: 'control'; readonly id: number } & ControlAction);

export type PublisherToHub =
  | { readonly t: 'hello'; readonly exchange: Exchange; readonly pid: number; readonly symbols: string[] }
  | ({ readonly t: 'status' } & PublisherState)
  | { readonly t: 'reply'; readonly id: number; readonly ok: boolean; readonly error?: string };

/** One event as a batch item's text (its `full` is added at send time, see {@link withFull}). */
export function encodeItem(event: ReplayEvent): string {
  const top =
    event.top ??
    (event.kind === 'book_update'
      ? topOf(event.full)
      : event.kind === 'book_snapshot'
        ? topOf(event.data)
        : undefined);
  const data = dataText(event);
  return `${event.ts}\t${event.kind}\t${event.symbol}\t${top === undefined ? '' : top.join(',')}\t${data}`;
}

/** A batch item: its text, or its UTF-8 bytes (read from the timeline cache, never decoded). */
export type LinkItem = string | Buffer;

const TAB = 9;
const NEWLINE = 10;
/** Item symbols, one string each (see string-interner.ts). */
const SYMBOLS = new StringInterner();
const TAB_BYTE = Buffer.from('\t');

/**
 * `item` (of a `book_update`) carrying the whole book after it (`full`, its JSON text or bytes),
 * so a hub can rebuild its book from there.
 */
export function withFull(item: LinkItem, full: string | Buffer | undefined): LinkItem {
  if (full === undefined) return item;
  if (typeof item === 'string' && typeof full === 'string') return `${item}\t${full}`;
  const bytes = (part: string | Buffer): Buffer => (typeof part === 'string' ? Buffer.from(part) : part);
  return Buffer.concat([bytes(item), TAB_BYTE, bytes(full)]);
}

/** The `top` and `data` fields of an event item's text made by {@link encodeItem}. */
export function itemFields(item: string): { readonly top: BookTop | undefined; readonly data: string } {
  let at = 0;
  for (let i = 0; i < 3; i++) at = item.indexOf('\t', at) + 1;
  const tab = item.indexOf('\t', at);
  const top = tab > at ? (item.slice(at, tab).split(',') as unknown as BookTop) : undefined;
  return { top, data: item.slice(tab + 1) };
}

/** The replay clock moving to `ts` as an item's text. */
export function encodeAdvance(ts: number): string {
  return `${ts}\tadv`;
}

/** A seek to `ts` as an item's text. */
export function encodeSeek(ts: number): string {
  return `${ts}\tseek`;
}

const BATCH_HEAD = '{"t":"b"';

/** A batch frame's bytes from its items: the JSON head, then one item per line, written once. */
export function encodeBatch(seq: number, at: number, items: readonly LinkItem[]): Buffer {
  const head = `${BATCH_HEAD},"seq":${seq},"at":${at},"n":${items.length}}\n`;
  let size = head.length + Math.max(items.length - 1, 0);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    size += typeof item === 'string' ? Buffer.byteLength(item) : item.length;
  }
  const out = Buffer.allocUnsafe(size);
  let offset = out.write(head, 0, 'latin1');
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out[offset++] = NEWLINE;
    const item = items[i];
    offset += typeof item === 'string' ? out.write(item, offset) : item.copy(out, offset);
  }
  return out;
}

/** True when the frame `data` is a batch (the only frame not decoded as one JSON object). */
export function isBatch(data: Buffer): boolean {
  return data.length > BATCH_HEAD.length && data.toString('latin1', 0, BATCH_HEAD.length) === BATCH_HEAD;
}

export interface DecodedBatch {
  readonly seq: number;
  readonly at: number;
  /** Items in order: events (of the link's exchange), clock advances and seeks, or why one is bad. */
  readonly items: readonly DecodedItem[];
}

export type DecodedItem =
  { readonly event: ReplayEvent } | { readonly advance: number } | { readonly seek: number } | string;

/**
 * A batch frame's items, or why it is not a batch (the hub logs it and closes the link). Events
 * keep `data` (and `full`) as slices of the frame, parsed only when a venue reads them.
 */
export function decodeBatch(exchange: Exchange, frame: Buffer): DecodedBatch | string {
  const headEnd = frame.indexOf(NEWLINE);
  let head: { seq?: unknown; at?: unknown; n?: unknown };
  try {
    head = JSON.parse(frame.toString('utf8', 0, headEnd < 0 ? frame.length : headEnd)) as typeof head;
  } catch {
    return 'a batch must start with its JSON head line';
  }
  const { seq, at } = head;
  if (typeof seq !== 'number' || typeof at !== 'number') return 'a batch head needs numeric "seq" and "at"';
  const items: DecodedItem[] = [];
  let from = headEnd < 0 ? frame.length : headEnd + 1;
  while (from < frame.length) {
    let end = frame.indexOf(NEWLINE, from);
    if (end < 0) end = frame.length;
    items.push(decodeItem(exchange, frame, from, end));
    from = end + 1;
  }
  return { seq, at, items };
}

/** The item in `frame[from, end)`: `ts\tkind\tsymbol\ttop\tdata[\tfull]`, `ts\tadv` or `ts\tseek`. */
function decodeItem(exchange: Exchange, frame: Buffer, from: number, end: number): DecodedItem {
  const t1 = tabIn(frame, from, end);
  const ts = t1 < 0 ? NaN : timeAt(frame, from, t1);
  if (t1 < 0 || !Number.isFinite(ts)) return 'an item must start with its numeric time and a tab';
  const t2 = tabIn(frame, t1 + 1, end);
  if (t2 < 0) {
    const word = frame.toString('latin1', t1 + 1, end);
    if (word === 'adv') return { advance: ts };
    if (word === 'seek') return { seek: ts };
    return 'an item must be ts, kind, symbol, top and data, tab-separated';
  }
  const kind = kindAt(frame, t1 + 1, t2);
  if (kind === undefined) return `an item's kind must be one of ${KIND_NAMES.join(', ')}`;
  const t3 = tabIn(frame, t2 + 1, end);
  const t4 = t3 < 0 ? -1 : tabIn(frame, t3 + 1, end);
  if (t4 < 0) return 'an item must be ts, kind, symbol, top and data, tab-separated';
  // Only a book update carries its whole book; in any other item the data runs to the end.
  const t5 = kind === 'book_update' ? nativeTabIn(frame, t4 + 1, end) : -1;
  const symbol = SYMBOLS.text(frame, t2 + 1, t3);
  const top = t4 > t3 + 1 ? frame.toString('latin1', t3 + 1, t4).split(',') : undefined;
  if (top !== undefined && top.length !== 4) return "an item's top must be bid,bidQty,ask,askQty";
  const raw = frame.subarray(t4 + 1, t5 < 0 ? end : t5);
  const fullRaw = t5 < 0 ? undefined : frame.subarray(t5 + 1, end);
  return {
    event: new LinkEvent(exchange, symbol, ts, kind, raw, top as BookTop | undefined, fullRaw),
  };
}

/** The next tab in `frame[from, end)`, or -1: a byte loop, for the short fields before an item's data. */
export function tabIn(frame: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (frame[i] === TAB) return i;
  return -1;
}

/** The next tab in `frame[from, end)`, or -1, searched natively (across a whole JSON value). */
function nativeTabIn(frame: Buffer, from: number, end: number): number {
  const at = frame.indexOf(TAB, from);
  return at < 0 || at >= end ? -1 : at;
}

/** An item's time: a whole number of ms read in place, or any other number as text. */
function timeAt(frame: Buffer, from: number, end: number): number {
  const whole = wholeNumber(frame, from, end);
  return Number.isNaN(whole) ? Number(frame.toString('latin1', from, end)) : whole;
}

/** The event kind named by `buf[from, end)`, or undefined. */
export function kindAt(buf: Buffer, from: number, end: number): EventKind | undefined {
  const length = end - from;
  for (const kind of KIND_NAMES) {
    if (kind.length !== length) continue;
    let same = true;
    for (let i = 0; i < length && same; i++) same = buf[from + i] === kind.charCodeAt(i);
    if (same) return kind;
  }
  return undefined;
}

/** The integer written in `buf[from, end)` (optionally negative); NaN when it is not one. */
export function wholeNumber(buf: Buffer, from: number, end: number): number {
  if (end <= from) return NaN;
  let at = from;
  const negative = buf[at] === 45;
  if (negative) at++;
  if (at === end) return NaN;
  let value = 0;
  for (; at < end; at++) {
    const digit = buf[at] - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** An event off the link: `data` and `full` are parsed from their bytes on first use. */
class LinkEvent implements ReplayEvent {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly ts: number;
  readonly kind: EventKind;
  readonly raw: Buffer;
  readonly top: BookTop | undefined;
  readonly fullRaw: Buffer | undefined;
  private parsed: unknown = undefined;
  private parsedFull: unknown = undefined;

  constructor(
    exchange: Exchange,
    symbol: string,
    ts: number,
    kind: EventKind,
    raw: Buffer,
    top: BookTop | undefined,
    fullRaw: Buffer | undefined,
  ) {
    this.exchange = exchange;
    this.symbol = symbol;
    this.ts = ts;
    this.kind = kind;
    this.raw = raw;
    this.top = top;
    this.fullRaw = fullRaw;
  }

  get data(): unknown {
    this.parsed ??= JSON.parse(this.raw.toString('utf8')) as unknown;
    return this.parsed;
  }

  get full(): unknown {
    if (this.fullRaw === undefined) return undefined;
    this.parsedFull ??= JSON.parse(this.fullRaw.toString('utf8')) as unknown;
    return this.parsedFull;
  }
}
