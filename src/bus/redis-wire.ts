import type { NormalizedMessage } from '../core/types.js';
import type { BusMessage, StreamPosition } from './bus.js';

/**
 * A message that came over Redis: its JSON is what clients are sent, so the object is parsed
 * only when something reads `data` (the price cache, a watcher), never for plain fan-out.
 */
export class ReceivedMessage implements BusMessage {
  private parsed: NormalizedMessage | undefined = undefined;

  constructor(
    readonly topic: string,
    readonly json: string,
    readonly position: StreamPosition,
  ) {}

  get data(): NormalizedMessage {
    if (this.parsed === undefined) this.parsed = JSON.parse(this.json) as NormalizedMessage;
    return this.parsed;
  }
}

/** One PUBLISH of the bus (see PUBLISH_BATCH in redis-scripts.ts). */
export interface DecodedBatch {
  readonly epoch: string;
  readonly firstOffset: number;
  /** 1-based index of the message that became the topic's latest value, 0 for none. */
  readonly latestIndex: number;
  readonly latestTtlMs: number;
  readonly jsons: readonly string[];
}

/** Undefined when the payload is not a bus batch (a foreign publisher on our channel). */
export function decodeBatch(payload: string): DecodedBatch | undefined {
  const a = payload.indexOf('\n');
  const b = a === -1 ? -1 : payload.indexOf('\n', a + 1);
  const c = b === -1 ? -1 : payload.indexOf('\n', b + 1);
  const d = c === -1 ? -1 : payload.indexOf('\n', c + 1);
  if (d === -1) return undefined;
  const firstOffset = Number(payload.slice(a + 1, b));
  const latestIndex = Number(payload.slice(b + 1, c));
  const latestTtlMs = Number(payload.slice(c + 1, d));
  if (!Number.isSafeInteger(firstOffset) || firstOffset < 1 || !Number.isSafeInteger(latestIndex))
    return undefined;
  return {
    epoch: payload.slice(0, a),
    firstOffset,
    latestIndex,
    latestTtlMs: Number.isFinite(latestTtlMs) ? latestTtlMs : 0,
    jsons: payload.slice(d + 1).split('\n'),
  };
}

/** `<epoch>\n<offset>\n<json>`: a latest value as stored under its key. */
export function decodeLatest(topic: string, stored: string): ReceivedMessage | undefined {
  const a = stored.indexOf('\n');
  const b = a === -1 ? -1 : stored.indexOf('\n', a + 1);
  if (b === -1) return undefined;
  const offset = Number(stored.slice(a + 1, b));
  if (!Number.isSafeInteger(offset)) return undefined;
  return new ReceivedMessage(topic, stored.slice(b + 1), { offset, epoch: stored.slice(0, a) });
}

export function encodeLatest(message: BusMessage): string {
  return message.position.epoch + '\n' + message.position.offset + '\n' + message.json;
}

/** A stream entry id `0-<offset>` → the offset. */
export function offsetOfEntryId(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash === -1 ? id : id.slice(dash + 1));
}
