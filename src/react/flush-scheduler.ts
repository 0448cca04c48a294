/**
 * Coalesces many updates into one render: `schedule()` runs `flush` once, at the next animation
 * frame (`'frame'`) or no sooner than `intervalMs` after the previous flush, whichever the hook
 * asked for. The first update after a quiet spell flushes at once (leading edge).
 */
export type FlushPace = number | 'frame';

type FrameApi = {
  requestAnimationFrame?: (cb: () => void) => number;
  cancelAnimationFrame?: (id: number) => void;
};

export class FlushScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private frame: number | undefined;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flush: () => void,
    private readonly pace: FlushPace,
    private readonly now: () => number = Date.now,
  ) {}

  schedule(): void {
    if (this.timer !== undefined || this.frame !== undefined) return;
    const g = globalThis as FrameApi;
    if (this.pace === 'frame' && g.requestAnimationFrame !== undefined) {
      this.frame = g.requestAnimationFrame(() => this.run());
      return;
    }
    const interval = this.pace === 'frame' ? 16 : this.pace;
    const wait = Math.max(0, this.last + interval - this.now());
    this.timer = setTimeout(() => this.run(), wait);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.frame !== undefined) (globalThis as FrameApi).cancelAnimationFrame?.(this.frame);
    this.timer = undefined;
    this.frame = undefined;
  }

  private run(): void {
    this.timer = undefined;
    this.frame = undefined;
    this.last = this.now();
    this.flush();
  }
}
