/**
 * Short texts read out of byte buffers (an event's symbol, per event on the replay's hot path),
 * one string per distinct text: a text seen before is found by its bytes and its string handed
 * back, with no decode and no new string (decoding a short UTF-8 slice costs more than the rest of
 * a link item's fields together, and a string used as a Map key keeps its hash).
 */

/** FNV-1a offset basis and prime (32-bit). */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

interface Entry {
  readonly bytes: Uint8Array;
  readonly text: string;
}

export class StringInterner {
  private readonly byHash = new Map<number, Entry[]>();
  private readonly maxLength: number;
  private readonly maxEntries: number;
  private entries = 0;

  /**
   * Texts longer than `maxLength` bytes are decoded every time, and once `maxEntries` are held new
   * texts are too: the interner stays small whatever it is fed.
   */
  constructor(maxLength = 64, maxEntries = 4096) {
    this.maxLength = maxLength;
    this.maxEntries = maxEntries;
  }

  /** `buf[from, end)` as UTF-8 text. */
  text(buf: Buffer, from: number, end: number): string {
    const length = end - from;
    if (length > this.maxLength) return buf.toString('utf8', from, end);
    let hash = FNV_OFFSET;
    for (let i = from; i < end; i++) hash = Math.imul(hash ^ buf[i], FNV_PRIME);
    const bucket = this.byHash.get(hash);
    if (bucket !== undefined)
      for (let k = 0; k < bucket.length; k++) {
        const entry = bucket[k];
        if (sameBytes(entry.bytes, buf, from, length)) return entry.text;
      }
    const text = buf.toString('utf8', from, end);
    if (this.entries < this.maxEntries) {
      // A copy: a view would keep the whole buffer read (a MiB chunk, a link frame) alive.
      const entry: Entry = { bytes: new Uint8Array(buf.subarray(from, end)), text };
      if (bucket === undefined) this.byHash.set(hash, [entry]);
      else bucket.push(entry);
      this.entries++;
    }
    return text;
  }

  /** Distinct texts held. */
  get size(): number {
    return this.entries;
  }
}

function sameBytes(bytes: Uint8Array, buf: Uint8Array, from: number, length: number): boolean {
  if (bytes.length !== length) return false;
  for (let i = 0; i < length; i++) if (bytes[i] !== buf[from + i]) return false;
  return true;
}
