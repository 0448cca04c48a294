/**
 * A hub's book held as the bytes it came in, applied only when something reads it. At
 * `--speed max` a replay pushes book diffs far faster than anyone asks for a whole book (a REST
 * depth request, a partial-depth stream): parsing and applying each diff would be most of the
 * hub's work, for a book nobody reads. So the hub keeps the last whole book it was sent (a
 * snapshot, or the `full` an update carries every so many updates, see link-sender.ts) and the
 * diffs since, and builds the venue's book from them on the first read after a change.
 *
 * The venue keeps what it needs per message without the book (its update ids, the top of book
 * the link item carries) and calls {@link current} before every read of its book.
 */

/** How the venue loads a whole book and applies a diff to it (parsed data, wire shape). */
export interface DeferredBookTarget {
  /** Replace the book with a whole one. */
  load(book: unknown): void;
  /** Apply one diff (its continuity was checked when it arrived). */
  apply(diff: unknown): void;
}

/** Held diffs beyond this are applied at once, whatever reads: memory stays bounded without wholes. */
const MAX_PENDING = 1024;

export class DeferredBook {
  private readonly target: DeferredBookTarget;
  /** The last whole book not yet loaded into the target. */
  private whole: Buffer | undefined = undefined;
  /** Diffs after `whole` (or after the target's state when `whole` is unset), in order. */
  private readonly pending: Buffer[] = [];
  /** Whole books loaded and diffs applied, for the venue's counters. */
  loads = 0;
  applied = 0;

  constructor(target: DeferredBookTarget) {
    this.target = target;
  }

  /** True when bytes are held that the target has not applied. */
  get behind(): boolean {
    return this.whole !== undefined || this.pending.length > 0;
  }

  /** A whole book arrived (a snapshot): whatever was held before it no longer matters. */
  snapshot(book: Buffer): void {
    this.whole = book;
    this.pending.length = 0;
  }

  /** A diff arrived, with the whole book after it when the update carries one. */
  diff(diff: Buffer, wholeAfter: Buffer | undefined): void {
    if (wholeAfter !== undefined) return this.snapshot(wholeAfter);
    this.pending.push(diff);
    if (this.pending.length > MAX_PENDING) this.current();
  }

  /** Bring the target up to date with everything held. Throws what the target throws (nothing held is then kept). */
  current(): void {
    if (!this.behind) return;
    const whole = this.whole;
    const diffs = this.pending.splice(0);
    this.whole = undefined;
    if (whole !== undefined) {
      this.target.load(parse(whole));
      this.loads++;
    }
    for (let i = 0; i < diffs.length; i++) {
      this.target.apply(parse(diffs[i]));
      this.applied++;
    }
  }

  /** Drop what is held (the venue replaced its book by other means). */
  clear(): void {
    this.whole = undefined;
    this.pending.length = 0;
  }
}

function parse(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8')) as unknown;
}
