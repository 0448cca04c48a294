/**
 * Stream recovery, shared by `/ws` and SSE: a client that comes back with the last position it
 * saw of a stream gets what it missed from the bus history, in order, then the live messages,
 * with no gap and none twice. Live messages that arrive while history is read are held (a
 * {@link HeldStream} watching the topic from before the read) and de-duplicated by offset.
 * When the gap cannot be filled (position older than the history, epoch changed, more missed
 * than the replay bound) the answer says `recovered: false` and the client gets the latest state
 * instead (the latest value of a stateful stream).
 */
import type { Bus, BusHandler, BusMessage, StreamPosition } from '../bus/bus.js';

/** What a stream's recovery says to the client (in the SUBSCRIBE result, per stream). */
export interface RecoveryOutcome {
  readonly recovered: boolean;
  /** Messages replayed from history. */
  readonly replayed: number;
  /** Where the stream stood when history was read: the client is there once the replay is in. */
  readonly offset: number;
  readonly epoch: string;
  /** Why the gap could not be filled (only when `recovered` is false). */
  readonly reason?: string;
}

/** Everything a (re)subscribing client gets before it joins the live stream. */
export interface CatchUp {
  /** Undefined when the client gave no position (a plain subscribe). */
  readonly outcome: RecoveryOutcome | undefined;
  /**
   * What to send, in order, before any live message: the replay or the latest value, then the
   * live messages held meanwhile; and the position of the last (or where the stream stood).
   * Call it in the same synchronous step as joining the live stream, so nothing falls between.
   */
  finish(): { readonly messages: readonly BusMessage[]; readonly position: StreamPosition };
}

/**
 * Live messages of a topic collected while its catch-up is prepared. At most `limit` are kept
 * (the oldest are dropped); a gap that opens that way is filled from history again.
 */
export class HeldStream {
  private readonly held: BusMessage[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  readonly handler: BusHandler = (message: BusMessage): void => {
    if (this.held.length >= this.limit) this.held.shift();
    this.held.push(message);
  };

  /** Held messages, oldest first (live: more may come until the holder stops watching). */
  get messages(): readonly BusMessage[] {
    return this.held;
  }
}

export interface CatchUpOptions {
  readonly bus: Bus;
  readonly topic: string;
  /** The client's last position, or undefined for a plain subscribe. */
  readonly since: StreamPosition | undefined;
  /** Most messages replayed for this stream; a longer gap is `recovered: false`. */
  readonly maxMessages: number;
  /** Stateful stream (ticker, book, …): the latest value is its state. */
  readonly stateful: boolean;
  /** Started watching the topic before this call. */
  readonly held: HeldStream;
}

/** How many times a gap between history and the held live messages is read again. */
const GAP_READS = 3;
/** A position after any real one: history answers with the topic's position and nothing else. */
const NOWHERE: StreamPosition = Object.freeze({ offset: Number.MAX_SAFE_INTEGER, epoch: '' });

/**
 * Prepare what a client gets before joining `topic` live. Resolves after its last await: the
 * caller must send `messages` and join the live stream in the same synchronous step, then stop
 * holding.
 */
export async function prepareCatchUp(opts: CatchUpOptions): Promise<CatchUp> {
  const { bus, topic, since } = opts;
  if (since !== undefined) {
    const replay = await replayFrom(opts, since);
    if (replay.recovered) {
      const outcome: RecoveryOutcome = {
        recovered: true,
        replayed: replay.messages.length,
        offset: replay.position.offset,
        epoch: replay.position.epoch,
      };
      return catchUp(
        opts,
        outcome,
        replay.messages,
        lastOffset(replay.messages, since.offset),
        replay.position,
      );
    }
    const outcome: RecoveryOutcome = {
      recovered: false,
      replayed: 0,
      offset: replay.position.offset,
      epoch: replay.position.epoch,
      reason: replay.reason,
    };
    return freshState(opts, outcome, replay.position);
  }
  const now = (await bus.history(topic, NOWHERE, 1)).position;
  return freshState(opts, undefined, now);
}

function catchUp(
  opts: CatchUpOptions,
  outcome: RecoveryOutcome | undefined,
  base: readonly BusMessage[],
  after: number,
  now: StreamPosition,
): CatchUp {
  return {
    outcome,
    finish() {
      const messages = base.slice();
      appendHeld(messages, opts.held.messages, now.epoch, after);
      return { messages, position: positionAfter(messages, now) };
    },
  };
}

/** The latest value (stateful streams), then the live messages held after it. */
function freshState(
  opts: CatchUpOptions,
  outcome: RecoveryOutcome | undefined,
  now: StreamPosition,
): CatchUp {
  const latest = opts.stateful ? opts.bus.getLatest(opts.topic) : undefined;
  if (latest === undefined) return catchUp(opts, outcome, [], 0, now);
  const after = latest.position.epoch === now.epoch ? latest.position.offset : 0;
  return catchUp(opts, outcome, [latest], after, now);
}

interface Replay {
  readonly recovered: boolean;
  readonly messages: readonly BusMessage[];
  readonly position: StreamPosition;
  readonly reason?: string;
}

async function replayFrom(opts: CatchUpOptions, since: StreamPosition): Promise<Replay> {
  const { bus, topic, maxMessages, held } = opts;
  const first = await bus.history(topic, since, maxMessages);
  let position = first.position;
  if (!first.recovered) return { recovered: false, messages: [], position, reason: whyLost(since, position) };
  const missed = position.offset - since.offset;
  if (missed > maxMessages) {
    return {
      recovered: false,
      messages: [],
      position,
      reason: `${missed} messages were missed, more than the ${maxMessages} a resubscribe replays; start from the latest state`,
    };
  }
  const messages: BusMessage[] = [];
  appendAfter(messages, first.messages, since.offset);
  // Covered when the replay reaches the first held live message, or the stream's position when
  // nothing is held. History read on another connection (Redis) may end before this gateway
  // began listening: the gap is read again until the two meet.
  const covered = (): boolean => {
    const last = lastOffset(messages, since.offset);
    const next = firstHeldAfter(held.messages, position.epoch, last);
    return next === undefined ? last >= position.offset : next <= last + 1;
  };
  for (let i = 0; i < GAP_READS && !covered() && messages.length < maxMessages; i++) {
    const last = lastOffset(messages, since.offset);
    const more = await bus.history(
      topic,
      { offset: last, epoch: position.epoch },
      maxMessages - messages.length,
    );
    if (!more.recovered || more.position.epoch !== position.epoch) break;
    appendAfter(messages, more.messages, last);
    position = more.position;
  }
  if (covered()) return { recovered: true, messages, position };
  return {
    recovered: false,
    messages: [],
    position,
    reason: `the missed messages could not all be read within the ${maxMessages} a resubscribe replays; start from the latest state`,
  };
}

function whyLost(since: StreamPosition, now: StreamPosition): string {
  if (since.epoch !== now.epoch) {
    return `epoch '${since.epoch}' is not the stream's (now '${now.epoch}'): its history was reset; start from the latest state`;
  }
  if (since.offset > now.offset) {
    return `offset ${since.offset} is ahead of the stream (at ${now.offset}); start from the latest state`;
  }
  return `offset ${since.offset} is older than the history kept; start from the latest state`;
}

function appendAfter(out: BusMessage[], from: readonly BusMessage[], after: number): void {
  let last = after;
  for (let i = 0; i < from.length; i++) {
    const m = from[i];
    if (m.position.offset > last) {
      out.push(m);
      last = m.position.offset;
    }
  }
}

/** Held messages after `after` (same epoch), or of another epoch (the bus reset meanwhile). */
function appendHeld(out: BusMessage[], held: readonly BusMessage[], epoch: string, after: number): void {
  let last = after;
  for (let i = 0; i < held.length; i++) {
    const m = held[i];
    if (m.position.epoch !== epoch) out.push(m);
    else if (m.position.offset > last) {
      out.push(m);
      last = m.position.offset;
    }
  }
}

function firstHeldAfter(held: readonly BusMessage[], epoch: string, after: number): number | undefined {
  for (let i = 0; i < held.length; i++) {
    const p = held[i].position;
    if (p.epoch === epoch && p.offset > after) return p.offset;
  }
  return undefined;
}

function lastOffset(messages: readonly BusMessage[], otherwise: number): number {
  return messages.length === 0 ? otherwise : messages[messages.length - 1].position.offset;
}

function positionAfter(messages: readonly BusMessage[], otherwise: StreamPosition): StreamPosition {
  if (messages.length === 0) return otherwise;
  const last = messages[messages.length - 1].position;
  return last.epoch === otherwise.epoch && last.offset < otherwise.offset ? otherwise : last;
}
