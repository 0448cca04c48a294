/**
 * The kinds of stream a fan-out counts what it sends by (the `type` label of the hub's
 * `/metrics`). A venue maps each of its channel names to one of these once, when the channel is
 * created; the fan-out then counts with plain array indexes, never with strings per message.
 */

export const STREAM_TYPES = [
  'trade',
  'book',
  'ticker',
  'quote',
  'bar',
  'status',
  /** Replies, acks, heartbeats and notices: frames sent to one consumer outside any channel. */
  'control',
  /** A channel its venue does not classify. */
  'other',
] as const;

export type StreamType = (typeof STREAM_TYPES)[number];

/** Position of each type in {@link STREAM_TYPES} (and in a {@link SentByType}'s arrays). */
export const STREAM_TYPE_INDEX: Readonly<Record<StreamType, number>> = Object.freeze(
  Object.fromEntries(STREAM_TYPES.map((t, i) => [t, i])) as Record<StreamType, number>,
);

/** Messages and bytes (WebSocket frames, headers included) sent, indexed as {@link STREAM_TYPES}. */
export interface SentByType {
  readonly messages: Float64Array;
  readonly bytes: Float64Array;
}

export function emptySentByType(): SentByType {
  return {
    messages: new Float64Array(STREAM_TYPES.length),
    bytes: new Float64Array(STREAM_TYPES.length),
  };
}
