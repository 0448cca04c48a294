/**
 * The publisher → hub link: text WebSocket frames of JSON, at `ws://<hub>/_link/<exchange>`.
 *
 * Publisher → hub:
 * - `{"t":"hello","exchange","pid","symbols":[…]}` once per connection;
 * - `{"t":"b","seq":n,"at":<wall ms of the oldest item>,"e":[item,…]}` a batch of items, each
 *   `[ts,"kind","symbol",data]` (a replay event), `[ts,"adv"]` (the replay clock moved on) or
 *   `[ts,"seek"]` (the replay was seeked to ts: the venue's clock starts again there);
 * - `{"t":"status",…PublisherState}` every few seconds and after a control action;
 * - `{"t":"reply","id","ok":true|false,"error"?}` to a control message.
 * Hub → publisher: `{"t":"welcome","fresh"}` on connect (fresh: the hub has no state of the
 * exchange, so every book must start again from a whole snapshot), `{"t":"ack","seq"}` once a
 * batch was pushed into the venue, and
 * `{"t":"control","id","action":"pause"|"resume"|"seek"|"speed","to"?,"speed"?}`.
 *
 * Items are serialized once, where they are made (the transform buffer), and a batch is their
 * texts joined: no second stringify of the events.
 */
import type { Speed } from '../../config/schema.js';
import type { Exchange } from '../../core/types.js';
import type { DropReason } from '../hub-observer.js';
import type { ReplayEvent } from '../events.js';

export const LINK_PATH_PREFIX = '/_link/';

export type EventKind = ReplayEvent['kind'];
const KINDS: ReadonlySet<string> = new Set<EventKind>([
  'trade',
  'book_snapshot',
  'book_update',
  'quote',
  'bar',
]);

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

/** One event as a batch item's text. */
export function encodeItem(event: ReplayEvent): string {
  return JSON.stringify([event.ts, event.kind, event.symbol, event.data]);
}

/** The replay clock moving to `ts` as an item's text. */
export function encodeAdvance(ts: number): string {
  return `[${ts},"adv"]`;
}

/** A seek to `ts` as an item's text. */
export function encodeSeek(ts: number): string {
  return `[${ts},"seek"]`;
}

/** A batch's text from its items' texts. */
export function encodeBatch(seq: number, at: number, items: readonly string[]): string {
  return `{"t":"b","seq":${seq},"at":${at},"e":[${items.join(',')}]}`;
}

export interface DecodedBatch {
  readonly seq: number;
  readonly at: number;
  readonly items: readonly unknown[];
}

/** A batch frame's parts, or why it is not one (the hub logs it and closes the link). */
export function decodeBatch(message: Record<string, unknown>): DecodedBatch | string {
  const { seq, at, e } = message;
  if (typeof seq !== 'number' || typeof at !== 'number' || !Array.isArray(e))
    return 'a batch needs numeric "seq" and "at" and an array "e"';
  return { seq, at, items: e };
}

/** An item as the hub pushes it: an event of `exchange`, a clock advance, or why it is neither. */
export function decodeItem(
  exchange: Exchange,
  item: unknown,
): { readonly event: ReplayEvent } | { readonly advance: number } | { readonly seek: number } | string {
  if (!Array.isArray(item) || typeof item[0] !== 'number') return 'an item must be [ts, kind, …]';
  const [ts, kind, symbol, data] = item as [number, unknown, unknown, unknown];
  if (kind === 'adv') return { advance: ts };
  if (kind === 'seek') return { seek: ts };
  if (typeof kind !== 'string' || !KINDS.has(kind) || typeof symbol !== 'string')
    return `an item must be [ts, kind, symbol, data] with kind one of ${[...KINDS].join(', ')}`;
  return { event: { exchange, symbol, ts, kind: kind as EventKind, data } };
}
