/** Test support: a `Schedule` (ingest/subscriptions/timers.ts) on a clock that moves only when told. */
import type { Schedule } from '../ingest/subscriptions/timers.js';

export class ManualSchedule {
  private nowMs = 0;
  private nextId = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  readonly schedule: Schedule = (fn, ms) => {
    const id = this.nextId++;
    this.due.set(id, { at: this.nowMs + ms, fn });
    return () => void this.due.delete(id);
  };

  /** Calls scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.due.size;
  }

  /** Move the clock forward, running every call that falls due, in time order. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, t] of this.due) {
        if (t.at <= until && t.at < nextAt) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId === undefined) break;
      const t = this.due.get(nextId);
      this.due.delete(nextId);
      this.nowMs = nextAt;
      t?.fn();
    }
    this.nowMs = until;
  }
}
