import type {
  Bus,
  BusHandler,
  BusMessage,
  BusStatus,
  HistoryResult,
  PublishOptions,
  StreamPosition,
} from '../bus/bus.js';
import type { MemoryBus } from '../bus/memory.js';
import type { NormalizedMessage } from '../core/types.js';

/**
 * Test support: a memory bus whose `history()` answers `delayMs` late, as a networked bus does.
 * `snapshot: 'late'` reads the history when it answers (it overlaps the live messages that came
 * meanwhile); `'early'` reads it when asked and a new subscription only starts receiving
 * `delayMs / 2` later, so the messages in between are in neither (as when a Redis SUBSCRIBE
 * completes after a history read on another connection).
 */
export class SlowHistoryBus implements Bus {
  historyCalls = 0;
  /** When set, `history()` rejects with it (after the delay), as a bus that lost its server. */
  historyError: Error | undefined = undefined;

  constructor(
    readonly inner: MemoryBus,
    private readonly delayMs: number,
    private readonly snapshot: 'early' | 'late',
  ) {}

  publish(topic: string, data: NormalizedMessage, opts?: PublishOptions): StreamPosition {
    return this.inner.publish(topic, data, opts);
  }
  subscribe(topic: string, handler: BusHandler): () => void {
    if (this.snapshot === 'late') return this.inner.subscribe(topic, handler);
    let active = false;
    const timer = setTimeout(() => {
      active = true;
    }, this.delayMs / 2);
    const off = this.inner.subscribe(topic, (m) => {
      if (active) handler(m);
    });
    return () => {
      clearTimeout(timer);
      off();
    };
  }
  activeTopics(): string[] {
    return this.inner.activeTopics();
  }
  getLatest(topic: string): BusMessage | undefined {
    return this.inner.getLatest(topic);
  }
  setLatest(message: BusMessage, ttlMs: number): void {
    this.inner.setLatest(message, ttlMs);
  }
  async history(topic: string, since: StreamPosition, limit: number): Promise<HistoryResult> {
    this.historyCalls++;
    const early = this.snapshot === 'early' ? await this.inner.history(topic, since, limit) : undefined;
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.historyError !== undefined) throw this.historyError;
    return early ?? this.inner.history(topic, since, limit);
  }
  status(): BusStatus {
    return this.inner.status();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
