/**
 * An event held as its serialized link item (`wire`, see link-wire.ts) and, for a book update,
 * its whole book as JSON bytes (`fullRaw`): what the publisher holds between reading an event
 * and sending it. `data`, `top` and `full` are read back from those bytes only when asked (a book
 * sent whole after a seek or a drop), so nothing is parsed on the way through.
 */
import type { Exchange } from '../../core/types.js';
import type { BookTop, EventOrigin, ReplayEvent } from '../events.js';
import { itemFields, type LinkItem } from './link-wire.js';

export abstract class ItemEvent implements ReplayEvent {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly ts: number;
  readonly kind: ReplayEvent['kind'];
  readonly origin: EventOrigin | undefined;
  abstract readonly wire: LinkItem;
  /** The whole book's JSON bytes (a book update), wherever the subclass keeps them. */
  abstract readonly fullRaw: Buffer | undefined;

  constructor(
    exchange: Exchange,
    symbol: string,
    ts: number,
    kind: ReplayEvent['kind'],
    origin: EventOrigin | undefined,
  ) {
    this.exchange = exchange;
    this.symbol = symbol;
    this.ts = ts;
    this.kind = kind;
    this.origin = origin;
  }

  get top(): BookTop | undefined {
    return itemFields(this.itemText()).top;
  }

  get data(): unknown {
    return JSON.parse(itemFields(this.itemText()).data) as unknown;
  }

  get full(): unknown {
    const raw = this.fullRaw;
    return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
  }

  private itemText(): string {
    return typeof this.wire === 'string' ? this.wire : this.wire.toString('utf8');
  }
}
