import type { BusMessage } from './bus.js';

class Entry {
  constructor(
    readonly message: BusMessage,
    readonly expiresAt: number,
  ) {}
}

/** Latest values held in this process, each until its TTL passes. */
export class LatestMirror {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  get(topic: string): BusMessage | undefined {
    const entry = this.entries.get(topic);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(topic);
      return undefined;
    }
    return entry.message;
  }

  set(message: BusMessage, ttlMs: number): void {
    this.entries.set(message.topic, new Entry(message, this.now() + ttlMs));
  }

  delete(topic: string): void {
    this.entries.delete(topic);
  }

  clear(): void {
    this.entries.clear();
  }
}
