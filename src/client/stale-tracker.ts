/**
 * Which streams have gone quiet: one shared sweep (not a timer per stream) compares each
 * stream's last message time with the threshold and reports the changes.
 */
export class StaleTracker {
  private readonly lastSeen = new Map<string, number>();
  private readonly stale = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly staleAfterMs: number,
    private readonly onChange: (stream: string, stale: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Start watching `stream` (its clock starts now, so a stream that never speaks turns stale). */
  watch(stream: string): void {
    if (!this.lastSeen.has(stream)) this.lastSeen.set(stream, this.now());
    this.schedule();
  }

  unwatch(stream: string): void {
    this.lastSeen.delete(stream);
    this.stale.delete(stream);
    if (this.lastSeen.size === 0) this.stop();
  }

  seen(stream: string): void {
    if (!this.lastSeen.has(stream)) return;
    this.lastSeen.set(stream, this.now());
    if (this.stale.delete(stream)) this.onChange(stream, false);
  }

  isStale(stream: string): boolean {
    return this.stale.has(stream);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    const every = Math.max(50, Math.min(1000, Math.floor(this.staleAfterMs / 4)));
    this.timer = setInterval(() => this.sweep(), every);
    // In Node a quiet client must not keep the process alive on its own.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private sweep(): void {
    const now = this.now();
    for (const [stream, at] of this.lastSeen) {
      if (!this.stale.has(stream) && now - at >= this.staleAfterMs) {
        this.stale.add(stream);
        this.onChange(stream, true);
      }
    }
  }
}
