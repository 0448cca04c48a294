/**
 * The gateway's `/metrics`: ingest integrity per exchange and symbol, on prom-client with a
 * Registry of its own (never the global default one), named like the hub's (`tickstream_` prefix,
 * `src/replay/hub-metrics.ts`).
 *
 * Counters are read from each feed's `stats()` at scrape time, so the hot path never touches
 * prom-client; only the lag histogram is observed per message (trades, tickers, top-N books),
 * through the feed's typed events. Figures of the connection (reconnects, decode errors, breaker,
 * ping) carry the `exchange` label alone: an undecodable frame or a reconnect belongs to no symbol.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerLiveHeapGauge } from '../core/live-heap.js';
import type { Exchange } from '../core/types.js';
import type { BreakerState } from '../ingest/circuit-breaker.js';
import type { Feed, FeedStats, SymbolStats } from '../ingest/feed.js';

/** Gauge value of each breaker state. */
export const BREAKER_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };

const DEFAULT_LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface IngestMetricsOptions {
  /** Upper bounds of the lag buckets, seconds. */
  readonly lagBucketsSeconds?: readonly number[];
  /** Also export this process's `process_*` and `nodejs_*` figures. Default true. */
  readonly processMetrics?: boolean;
}

export class IngestMetrics {
  readonly registry = new Registry();
  private readonly feeds = new Map<Exchange, Feed>();
  private readonly lag: Histogram<'exchange' | 'symbol'>;

  constructor(opts: IngestMetricsOptions = {}) {
    const registers = [this.registry];
    const stats = (): FeedStats[] => [...this.feeds.values()].map((f) => f.stats());

    const perSymbol = (name: string, help: string, field: keyof SymbolStats): void => {
      new Counter({
        name: `tickstream_ingest_${name}_total`,
        help,
        labelNames: ['exchange', 'symbol'],
        registers,
        collect() {
          this.reset();
          for (const s of stats()) {
            for (const [symbol, figures] of Object.entries(s.bySymbol)) {
              this.inc({ exchange: s.exchange, symbol }, figures[field]);
            }
          }
        },
      });
    };
    perSymbol(
      'messages',
      'Normalized messages emitted by ingest (status included), by exchange and symbol.',
      'messages',
    );
    perSymbol('gaps', 'Book sequence gaps seen, by exchange and symbol.', 'gaps');
    perSymbol(
      'resyncs',
      'Book resyncs from a fresh snapshot (gap, checksum, crossed book), by exchange and symbol.',
      'resyncs',
    );
    perSymbol(
      'checksum_failures',
      'Book checksums that disagreed with the local book, by exchange and symbol.',
      'checksumMismatches',
    );
    perSymbol(
      'crossed_books',
      'Local book states refused as crossed (best bid >= best ask), by exchange and symbol.',
      'crossedBooks',
    );

    const perExchange = (name: string, help: string, read: (s: FeedStats) => number): void => {
      new Counter({
        name: `tickstream_ingest_${name}_total`,
        help,
        labelNames: ['exchange'],
        registers,
        collect() {
          this.reset();
          for (const s of stats()) this.inc({ exchange: s.exchange }, read(s));
        },
      });
    };
    perExchange('reconnects', 'Connection attempts after the first, by exchange.', (s) => s.reconnects);
    perExchange(
      'decode_errors',
      'Frames that failed to decode (skipped), by exchange.',
      (s) => s.decodeErrors,
    );

    new Gauge({
      name: 'tickstream_ingest_breaker_state',
      help: 'Circuit breaker of the ingest connection: 0 closed, 1 half-open, 2 open, by exchange.',
      labelNames: ['exchange'],
      registers,
      collect() {
        for (const s of stats()) this.set({ exchange: s.exchange }, BREAKER_VALUE[s.breaker]);
      },
    });
    new Gauge({
      name: 'tickstream_ingest_connected',
      help: 'Whether the ingest connection is up (1) or not (0), by exchange.',
      labelNames: ['exchange'],
      registers,
      collect() {
        for (const s of stats()) this.set({ exchange: s.exchange }, s.state === 'connected' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tickstream_ingest_ping_rtt_seconds',
      help: 'Round trip of the last answered heartbeat ping, by exchange (absent for server-driven heartbeats).',
      labelNames: ['exchange'],
      registers,
      collect() {
        this.reset();
        for (const s of stats())
          if (s.pingRttMs !== undefined) this.set({ exchange: s.exchange }, s.pingRttMs / 1000);
      },
    });
    new Gauge({
      name: 'tickstream_ingest_stale_symbols',
      help: 'Symbols silent on every channel past their adaptive threshold, by exchange.',
      labelNames: ['exchange'],
      registers,
      collect() {
        for (const s of stats()) this.set({ exchange: s.exchange }, s.staleSymbols.length);
      },
    });
    this.lag = new Histogram({
      name: 'tickstream_ingest_lag_seconds',
      help: 'Local receipt time minus exchange time of trades, tickers and books, by exchange and symbol.',
      labelNames: ['exchange', 'symbol'],
      buckets: [...(opts.lagBucketsSeconds ?? DEFAULT_LAG_BUCKETS)],
      registers,
    });
    if (opts.processMetrics ?? true) {
      collectDefaultMetrics({ register: this.registry });
      registerLiveHeapGauge(this.registry);
    }
  }

  /** Report `feed` from now on (one feed per exchange: a second replaces the first). */
  addFeed(feed: Feed): void {
    this.feeds.set(feed.exchange, feed);
    const observe = (m: {
      exchange: Exchange;
      symbol: string;
      timestamp: number;
      localTimestamp: number;
    }): void => {
      // A negative lag is clock skew, not time travel: counted in the lowest bucket.
      this.lag.observe(
        { exchange: m.exchange, symbol: m.symbol },
        Math.max(0, m.localTimestamp - m.timestamp) / 1000,
      );
    };
    feed.on('trade', observe);
    feed.on('ticker', observe);
    feed.on('book', (m) => {
      if (m.type === 'book_snapshot') observe(m);
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
