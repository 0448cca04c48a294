/**
 * A FIFO of serialized link items bounded in messages and bytes, with the overflow policies of
 * ../shared/DESIGN.md "Replay processes":
 * - `drop-oldest`: the oldest items go;
 * - `priority`: increments (book updates) go first, snapshots and everything else only when no
 *   increment is left;
 * - `rate-adaptive`: nothing goes; the buffer reports itself full and the publisher waits, so the
 *   replay slows to what the link carries.
 * Dropping any book item of a symbol drops that symbol's queued increments too (they would not
 * continue the consumer's book) and marks the symbol: its next book event must be sent as a whole
 * snapshot ({@link takeBroken}). Every drop is counted by reason and symbol.
 */
import type { DropReason } from '../hub-observer.js';
import type { EventKind, LinkItem } from './link-wire.js';

export const OVERFLOW_POLICIES = ['drop-oldest', 'priority', 'rate-adaptive'] as const;
export type OverflowPolicy = (typeof OVERFLOW_POLICIES)[number];

export interface BufferLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

export interface BufferedItem {
  /** The item as it goes into a batch; its length (characters or bytes) counts against the byte bound. */
  readonly text: LinkItem;
  /** Native symbol; '' for a clock advance. */
  readonly symbol: string;
  readonly kind: EventKind | 'adv';
  /** Wall time it was made, ms (for the transform → send latency). */
  readonly at: number;
  /** Its number among the items pushed into the link (delivery is tracked by it). */
  readonly seq: number;
}

export type DropListener = (reason: DropReason, symbol: string, count: number) => void;

export class BoundedBuffer {
  private items: BufferedItem[] = [];
  private head = 0;
  private byteCount = 0;
  private readonly broken = new Set<string>();
  private readonly limits: BufferLimits;
  private readonly policy: OverflowPolicy;
  private readonly overflowReason: DropReason;
  private readonly onDrop: DropListener;

  constructor(
    limits: BufferLimits,
    policy: OverflowPolicy,
    overflowReason: DropReason,
    onDrop: DropListener,
  ) {
    for (const key of ['maxMessages', 'maxBytes'] as const) {
      if (!Number.isSafeInteger(limits[key]) || limits[key] < 1)
        throw new RangeError(`buffer ${key} must be a whole number from 1, got ${limits[key]}`);
    }
    this.limits = limits;
    this.policy = policy;
    this.overflowReason = overflowReason;
    this.onDrop = onDrop;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Over a limit (only ever under `rate-adaptive`, which never drops). */
  get empty(): boolean {
    return this.head === this.items.length;
  }

  get full(): boolean {
    return this.length >= this.limits.maxMessages || this.byteCount >= this.limits.maxBytes;
  }

  push(item: BufferedItem): void {
    this.items.push(item);
    this.byteCount += item.text.length;
    if (this.policy !== 'rate-adaptive') while (this.overLimit()) this.dropOne();
  }

  /** The oldest items, up to `maxBytes` of text (at least one), removed from the buffer. */
  take(maxBytes: number): BufferedItem[] {
    const out: BufferedItem[] = [];
    let bytes = 0;
    while (
      this.head < this.items.length &&
      (out.length === 0 || bytes + this.items[this.head].text.length <= maxBytes)
    ) {
      const item = this.items[this.head++];
      bytes += item.text.length;
      out.push(item);
    }
    this.byteCount -= bytes;
    this.compact();
    return out;
  }

  /** Puts items taken back at the front (a send that could not happen). */
  unshift(items: readonly BufferedItem[]): void {
    if (items.length === 0) return;
    this.items = [...items, ...this.items.slice(this.head)];
    this.head = 0;
    for (const item of items) this.byteCount += item.text.length;
    if (this.policy !== 'rate-adaptive') while (this.overLimit()) this.dropOne();
  }

  /** Moves every item into `other` (the reconnection buffer taking over), which applies its limits. */
  drainInto(other: BoundedBuffer): void {
    for (let i = this.head; i < this.items.length; i++) other.push(this.items[i]);
    this.items = [];
    this.head = 0;
    this.byteCount = 0;
  }

  /** Drops everything (a stop without flushing), counted under `reason`. */
  clear(reason: DropReason): void {
    const counts = new Map<string, number>();
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item.kind !== 'adv') counts.set(item.symbol, (counts.get(item.symbol) ?? 0) + 1);
    }
    for (const [symbol, count] of counts) this.onDrop(reason, symbol, count);
    this.items = [];
    this.head = 0;
    this.byteCount = 0;
  }

  /** True once after a book item of `symbol` was dropped: its next book event must be a snapshot. */
  takeBroken(symbol: string): boolean {
    return this.broken.size > 0 && this.broken.delete(symbol);
  }

  private overLimit(): boolean {
    return (
      this.length > 0 && (this.length > this.limits.maxMessages || this.byteCount > this.limits.maxBytes)
    );
  }

  private dropOne(): void {
    let index = this.head;
    if (this.policy === 'priority') {
      const increment = this.findFrom(this.head, (i) => i.kind === 'book_update');
      if (increment !== -1) index = increment;
      else {
        const other = this.findFrom(this.head, (i) => i.kind !== 'book_snapshot');
        if (other !== -1) index = other;
      }
    }
    const item = this.items[index];
    this.remove(index);
    if (item.kind === 'adv') return;
    this.onDrop(this.overflowReason, item.symbol, 1);
    if (item.kind === 'book_update' || item.kind === 'book_snapshot') this.breakBook(item.symbol);
  }

  /** Drops the queued increments of `symbol` (counted), which a fresh snapshot replaces. */
  dropIncrements(symbol: string): void {
    let dropped = 0;
    const kept: BufferedItem[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item.symbol === symbol && item.kind === 'book_update') {
        dropped++;
        this.byteCount -= item.text.length;
      } else kept.push(item);
    }
    if (dropped === 0) return;
    this.items = kept;
    this.head = 0;
    this.onDrop('increment-dropped', symbol, dropped);
  }

  /** Drops the queued increments of `symbol` and marks it for a fresh snapshot. */
  private breakBook(symbol: string): void {
    this.broken.add(symbol);
    this.dropIncrements(symbol);
  }

  private findFrom(start: number, test: (item: BufferedItem) => boolean): number {
    for (let i = start; i < this.items.length; i++) if (test(this.items[i])) return i;
    return -1;
  }

  private remove(index: number): void {
    this.byteCount -= this.items[index].text.length;
    if (index === this.head) this.head++;
    else this.items.splice(index, 1);
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
