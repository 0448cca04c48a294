/**
 * A latency histogram that travels over IPC: 0.1 ms buckets below 1 s, 1 ms buckets up to 60 s
 * (one overflow bucket above). Workers record every delivery; the parent merges them and reads
 * percentiles, so a million deliveries never cross IPC one by one.
 */
const FINE_BUCKETS = 10_000;
const COARSE_BUCKETS = 59_000;
const SIZE = FINE_BUCKETS + COARSE_BUCKETS + 1;

/** Non-empty buckets as `[bucket, count]` pairs: what a worker sends. */
export type HistogramPairs = Array<[bucket: number, count: number]>;

function bucketOf(ms: number): number {
  if (!(ms > 0)) return 0;
  if (ms < 1000) return Math.floor(ms * 10);
  return Math.min(SIZE - 1, FINE_BUCKETS + Math.floor(ms - 1000));
}

/** The upper edge of a bucket, ms (what a percentile reports). */
function upperEdge(bucket: number): number {
  return bucket < FINE_BUCKETS ? (bucket + 1) / 10 : bucket - FINE_BUCKETS + 1001;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(SIZE);
  private total = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  pairs(): HistogramPairs {
    const out: HistogramPairs = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  merge(pairs: HistogramPairs): void {
    for (const [bucket, count] of pairs) {
      if (bucket < 0 || bucket >= SIZE) continue;
      this.counts[bucket] += count;
      this.total += count;
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  /** Nearest-rank percentile (upper bucket edge, ms); NaN when empty. */
  percentile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.min(this.total, Math.max(1, Math.ceil(q * this.total)));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return upperEdge(i);
    }
    return upperEdge(SIZE - 1);
  }
}
