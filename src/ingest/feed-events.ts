/**
 * The typed events of a feed, beside its async iterator over the same messages: a small
 * emitter whose event names and payloads are checked by the compiler (no `any`). A listener
 * that throws is logged by the feed and does not stop the others.
 */
import type {
  BookChange,
  BookSnapshot,
  Exchange,
  NormalizedMessage,
  Status,
  Ticker,
  Trade,
} from '../core/types.js';

export interface LinkEvent {
  readonly exchange: Exchange;
  readonly reason: string;
  readonly at: number;
}

export interface FeedErrorEvent {
  readonly exchange: Exchange;
  /** `decode`: an undecodable frame; `rejected`: the venue refused a request; `listener`: a handler threw. */
  readonly kind: 'decode' | 'rejected' | 'listener';
  readonly message: string;
  readonly error?: Error;
}

export interface MaxReconnectsEvent {
  readonly exchange: Exchange;
  readonly attempts: number;
  readonly reason: string;
  readonly at: number;
}

export interface FeedEvents {
  connected: LinkEvent;
  disconnected: LinkEvent;
  error: FeedErrorEvent;
  trade: Trade;
  ticker: Ticker;
  book: BookSnapshot | BookChange;
  status: Status;
  max_reconnects_reached: MaxReconnectsEvent;
}

export type FeedEventName = keyof FeedEvents;
export type FeedListener<K extends FeedEventName> = (event: FeedEvents[K]) => void;

export class TypedEmitter<E extends object = FeedEvents> {
  private readonly sets: { [K in keyof E]?: Set<(event: E[K]) => void> } = {};
  private readonly onListenerError: (err: unknown, event: keyof E) => void;

  constructor(onListenerError: (err: unknown, event: keyof E) => void) {
    this.onListenerError = onListenerError;
  }

  on<K extends keyof E>(event: K, listener: (event: E[K]) => void): void {
    let set = this.sets[event];
    if (set === undefined) {
      set = new Set();
      this.sets[event] = set;
    }
    set.add(listener);
  }

  off<K extends keyof E>(event: K, listener: (event: E[K]) => void): void {
    this.sets[event]?.delete(listener);
  }

  /** True when someone listens to `event` (spares building payloads nobody reads). */
  has(event: keyof E): boolean {
    return (this.sets[event]?.size ?? 0) > 0;
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.sets[event];
    if (set === undefined || set.size === 0) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  removeAll(): void {
    for (const key of Object.keys(this.sets) as (keyof E)[]) delete this.sets[key];
  }
}

/** The event of a normalized message (`trade`, `ticker`, `book`, `status`); quotes and bars have none. */
export function emitMessageEvent(events: TypedEmitter<FeedEvents>, msg: NormalizedMessage): void {
  switch (msg.type) {
    case 'trade':
      events.emit('trade', msg);
      break;
    case 'ticker':
      events.emit('ticker', msg);
      break;
    case 'book_snapshot':
    case 'book_change':
      events.emit('book', msg);
      break;
    case 'status':
      events.emit('status', msg);
      break;
    default:
      break;
  }
}
