import type { StreamMessage } from './protocol.js';

/**
 * The async iterator behind `client.messages()`: a bounded queue (the oldest messages go first
 * when a consumer falls `limit` behind) that ends when the client closes or the loop breaks.
 */
export class MessageQueue implements AsyncIterableIterator<StreamMessage> {
  private readonly items: StreamMessage[] = [];
  private head = 0;
  private waiting: ((r: IteratorResult<StreamMessage>) => void) | undefined;
  private ended = false;
  /** Messages dropped because the consumer fell `limit` behind. */
  dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  push(message: StreamMessage): void {
    if (this.ended) return;
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: message, done: false });
      return;
    }
    this.items.push(message);
    if (this.items.length - this.head > this.limit) {
      this.head++;
      this.dropped++;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.items.length = 0;
    this.head = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }

  next(): Promise<IteratorResult<StreamMessage>> {
    if (this.head < this.items.length) {
      return Promise.resolve({ value: this.items[this.head++], done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<StreamMessage>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamMessage> {
    return this;
  }
}
