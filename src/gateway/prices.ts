import type { BusHandler, BusMessage } from '../bus/bus.js';
import type { Exchange, NormalizedMessage } from '../core/types.js';

/** One pair's latest price as `/api/prices` reports it. */
export interface PriceView {
  readonly pair: string;
  readonly price: number;
  /** Exchange time of the message that set the price, ms. */
  readonly timestamp: number;
  /** The exchange the price came from. */
  readonly source: Exchange;
}

/** Mutable cache slot; one shape for every pair. */
class PriceSlot {
  constructor(
    public pair: string,
    public price: number,
    public timestamp: number,
    public source: Exchange,
    /** Local receipt time of the message that set the price, ms. */
    public receivedAt: number,
  ) {}
}

/**
 * Latest price per canonical pair, fed from bus messages: a trade sets its price, a ticker its
 * `last`, a quote its `mid`. An older message (by exchange timestamp) never replaces a newer one.
 */
export class PriceCache {
  private readonly slots = new Map<string, PriceSlot>();
  private updates = 0;
  /** Bound once, to pass straight to `bus.subscribe`. */
  readonly handler: BusHandler = (message: BusMessage): void => {
    this.update(message.data);
  };

  /** Returns true when the message changed the cache. */
  update(msg: NormalizedMessage): boolean {
    let price: number;
    switch (msg.type) {
      case 'trade':
        price = msg.price;
        break;
      case 'ticker':
        price = msg.last;
        break;
      case 'quote':
        price = msg.mid;
        break;
      default:
        return false;
    }
    if (!(price > 0) || !Number.isFinite(price)) return false;
    const slot = this.slots.get(msg.symbol);
    if (slot === undefined) {
      this.slots.set(
        msg.symbol,
        new PriceSlot(msg.symbol, price, msg.timestamp, msg.exchange, msg.localTimestamp),
      );
    } else {
      if (msg.timestamp < slot.timestamp) return false;
      slot.price = price;
      slot.timestamp = msg.timestamp;
      slot.source = msg.exchange;
      slot.receivedAt = msg.localTimestamp;
    }
    this.updates++;
    return true;
  }

  get(pair: string): PriceView | undefined {
    const slot = this.slots.get(pair);
    return slot === undefined ? undefined : view(slot);
  }

  /** When the pair's price was last received (local time, ms): how live the stream is. */
  receivedAt(pair: string): number | undefined {
    return this.slots.get(pair)?.receivedAt;
  }

  /** All pairs, sorted by name. */
  list(): PriceView[] {
    const out: PriceView[] = [];
    for (const slot of this.slots.values()) out.push(view(slot));
    out.sort(byPair);
    return out;
  }

  /** Known pairs, sorted. */
  pairs(): string[] {
    return Array.from(this.slots.keys()).sort();
  }

  get size(): number {
    return this.slots.size;
  }

  get updateCount(): number {
    return this.updates;
  }
}

function view(slot: PriceSlot): PriceView {
  return { pair: slot.pair, price: slot.price, timestamp: slot.timestamp, source: slot.source };
}

function byPair(a: PriceView, b: PriceView): number {
  return a.pair < b.pair ? -1 : a.pair > b.pair ? 1 : 0;
}
