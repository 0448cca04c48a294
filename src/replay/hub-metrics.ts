/**
 * The replay hub's `/metrics`: a {@link HubObserver} on prom-client with a Registry of its own
 * (never the global default one, so several hubs in one process keep their own counts), the
 * venues' consumer traffic read at scrape time, and the default process metrics of this process.
 *
 * Traffic is counted by the venues' fan-outs in plain number arrays (src/net/stream-type.ts);
 * the scrape turns what grew since the previous scrape into counter increments, so the hot path
 * never touches prom-client.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerLiveHeapGauge } from '../core/live-heap.js';
import type { Exchange } from '../core/types.js';
import { STREAM_TYPES, emptySentByType, type SentByType } from '../net/stream-type.js';
import type {
  DropReason,
  FaultKind,
  HubErrorCategory,
  HubObserver,
  PublisherFigures,
} from './hub-observer.js';
import type { VenueEndpoint } from './hub.js';

export interface HubMetricsOptions {
  /**
   * Distinct `symbol` label values kept per exchange; later ones are counted as `other`. The
   * replayed symbol set is small: the cap only guards against a caller naming symbols freely.
   */
  readonly maxSymbolsPerExchange?: number;
  /** Upper bounds of the transform → send latency buckets, seconds. */
  readonly latencyBucketsSeconds?: readonly number[];
}

/** What the metrics read from the hub at scrape time. */
export interface MetricsSubject {
  readonly venues: readonly VenueEndpoint[];
}

/** The label value for a symbol beyond the per-exchange cap. */
export const OTHER_SYMBOL = 'other';
/** The `exchange` label of an error that belongs to no exchange. */
export const NO_EXCHANGE = 'none';

const DEFAULT_MAX_SYMBOLS = 64;
const DEFAULT_LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

type TrafficField = keyof SentByType;

export class HubMetrics implements HubObserver {
  readonly registry = new Registry();
  private subject: MetricsSubject | undefined;
  private readonly maxSymbols: number;
  private readonly symbolsSeen = new Map<Exchange, Set<string>>();
  /** What each venue's traffic stood at when the previous scrape turned it into increments. */
  private readonly reported = new Map<VenueEndpoint, SentByType>();

  private readonly faults: Counter<'exchange' | 'fault' | 'symbol'>;
  private readonly drops: Counter<'exchange' | 'reason' | 'symbol'>;
  private readonly errors: Counter<'category' | 'exchange'>;
  private readonly latency: Histogram<'exchange'>;
  private readonly bufferMessages: Gauge<'exchange' | 'buffer'>;
  private readonly bufferBytes: Gauge<'exchange' | 'buffer'>;
  private readonly publisherRss: Gauge<'exchange'>;
  private readonly publisherHeapLive: Gauge<'exchange'>;
  private readonly publisherCpu: Gauge<'exchange'>;
  private readonly publisherRate: Gauge<'exchange'>;
  private readonly publisherPublished: Gauge<'exchange'>;
  private readonly publisherRestarts: Gauge<'exchange'>;

  constructor(opts: HubMetricsOptions = {}) {
    const maxSymbols = opts.maxSymbolsPerExchange ?? DEFAULT_MAX_SYMBOLS;
    if (!Number.isInteger(maxSymbols) || maxSymbols < 0) {
      throw new TypeError(
        `maxSymbolsPerExchange must be a whole number ≥ 0, got ${String(opts.maxSymbolsPerExchange)}`,
      );
    }
    this.maxSymbols = maxSymbols;
    const registers = [this.registry];
    const venues = (): readonly VenueEndpoint[] => this.venues();

    new Gauge({
      name: 'tickstream_hub_connections',
      help: 'Open consumer WebSocket connections, by exchange.',
      labelNames: ['exchange'],
      registers,
      collect() {
        for (const venue of venues()) {
          const consumers = venue.traffic?.().consumers ?? venue.stats().consumers;
          this.set({ exchange: venue.exchange }, consumers);
        }
      },
    });
    this.trafficCounter('tickstream_hub_messages_sent_total', 'messages', 'Messages sent to consumers');
    this.trafficCounter(
      'tickstream_hub_bytes_sent_total',
      'bytes',
      'Bytes (WebSocket frames, headers included) sent to consumers',
    );
    this.faults = new Counter({
      name: 'tickstream_hub_faults_injected_total',
      help: 'Faults injected into what consumers see, by exchange, fault and symbol.',
      labelNames: ['exchange', 'fault', 'symbol'],
      registers,
    });
    this.drops = new Counter({
      name: 'tickstream_hub_drops_total',
      help: 'Buffered replay messages dropped before they reached the hub, by exchange, reason and symbol.',
      labelNames: ['exchange', 'reason', 'symbol'],
      registers,
    });
    this.errors = new Counter({
      name: 'tickstream_hub_errors_total',
      help: `Errors by category and exchange ("${NO_EXCHANGE}" when it is the hub's own).`,
      labelNames: ['category', 'exchange'],
      registers,
    });
    this.latency = new Histogram({
      name: 'tickstream_hub_transform_to_send_seconds',
      help: "Time from a publisher's transform of a message to the hub's send of it, by exchange.",
      labelNames: ['exchange'],
      buckets: [...(opts.latencyBucketsSeconds ?? DEFAULT_LATENCY_BUCKETS)],
      registers,
    });
    const bufferGauge = (what: string, help: string): Gauge<'exchange' | 'buffer'> =>
      new Gauge({
        name: `tickstream_hub_buffer_${what}`,
        help,
        labelNames: ['exchange', 'buffer'],
        registers,
      });
    this.bufferMessages = bufferGauge('messages', 'Messages held in a link buffer, by exchange and buffer.');
    this.bufferBytes = bufferGauge('bytes', 'Bytes held in a link buffer, by exchange and buffer.');
    const publisherGauge = (name: string, help: string): Gauge<'exchange'> =>
      new Gauge({ name: `tickstream_publisher_${name}`, help, labelNames: ['exchange'], registers });
    this.publisherRss = publisherGauge('rss_bytes', 'Resident set size of the publisher process, bytes.');
    this.publisherHeapLive = publisherGauge(
      'heap_live_bytes',
      'JS heap in use by the publisher process after its latest full collection, bytes (absent before one).',
    );
    this.publisherCpu = publisherGauge(
      'cpu_percent',
      'CPU used by the publisher process since its previous report, percent of one core.',
    );
    this.publisherRate = publisherGauge(
      'messages_per_second',
      'Messages the publisher published per second, as it last reported.',
    );
    this.publisherPublished = publisherGauge(
      'messages_published',
      'Messages the publisher process has published since it started.',
    );
    this.publisherRestarts = publisherGauge(
      'restarts',
      'Times the supervisor restarted the publisher process.',
    );
    collectDefaultMetrics({ register: this.registry });
    registerLiveHeapGauge(this.registry);
  }

  /** The Content-Type of {@link text} (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Read the venues of `subject` at each scrape. One hub per metrics object. */
  attach(subject: MetricsSubject): void {
    if (this.subject !== undefined && this.subject !== subject) {
      throw new Error('these hub metrics already belong to another hub: give each hub its own HubMetrics');
    }
    this.subject = subject;
  }

  /** Every metric in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  // ---- HubObserver

  faultInjected(exchange: Exchange, fault: FaultKind, symbol: string): void {
    this.faults.inc({ exchange, fault, symbol: this.symbolLabel(exchange, symbol) });
  }

  dropped(exchange: Exchange, reason: DropReason, symbol: string, count: number): void {
    if (!isCount(count) || count === 0) return;
    this.drops.inc({ exchange, reason, symbol: this.symbolLabel(exchange, symbol) }, count);
  }

  transformToSend(exchange: Exchange, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.latency.observe({ exchange }, ms / 1000);
  }

  error(category: HubErrorCategory, exchange?: Exchange): void {
    this.errors.inc({ category, exchange: exchange ?? NO_EXCHANGE });
  }

  publisher(figures: PublisherFigures): void {
    const labels = { exchange: figures.exchange };
    setIfFinite(this.publisherRss, labels, figures.rssBytes);
    if (figures.heapLiveBytes !== undefined)
      setIfFinite(this.publisherHeapLive, labels, figures.heapLiveBytes);
    setIfFinite(this.publisherCpu, labels, figures.cpuPercent);
    setIfFinite(this.publisherRate, labels, figures.messagesPerSecond);
    setIfFinite(this.publisherPublished, labels, figures.messagesPublished);
    setIfFinite(this.publisherRestarts, labels, figures.restarts);
  }

  buffer(
    exchange: Exchange,
    buffer: 'transform' | 'send' | 'reconnect',
    messages: number,
    bytes: number,
  ): void {
    const labels = { exchange, buffer };
    setIfFinite(this.bufferMessages, labels, messages);
    setIfFinite(this.bufferBytes, labels, bytes);
  }

  // ---- internals

  private venues(): readonly VenueEndpoint[] {
    return this.subject?.venues ?? [];
  }

  /**
   * A counter of one field of the venues' traffic by exchange and type: each scrape adds what
   * grew since the previous one.
   */
  private trafficCounter(name: string, field: TrafficField, what: string): void {
    const venues = (): readonly VenueEndpoint[] => this.venues();
    const lastReported = (venue: VenueEndpoint): SentByType => this.lastReported(venue);
    new Counter({
      name,
      help: `${what}, by exchange and stream type (${STREAM_TYPES.join(', ')}).`,
      labelNames: ['exchange', 'type'],
      registers: [this.registry],
      collect() {
        for (const venue of venues()) {
          const traffic = venue.traffic?.();
          if (traffic === undefined) continue;
          const last = lastReported(venue);
          const now = traffic.sent[field];
          const before = last[field];
          for (let i = 0; i < STREAM_TYPES.length; i++) {
            const grown = now[i] - before[i];
            // An increment of 0 still creates the series, so every type shows from the first scrape.
            if (grown >= 0) this.inc({ exchange: venue.exchange, type: STREAM_TYPES[i] }, grown);
            before[i] = now[i];
          }
        }
      },
    });
  }

  private lastReported(venue: VenueEndpoint): SentByType {
    let last = this.reported.get(venue);
    if (last === undefined) {
      last = emptySentByType();
      this.reported.set(venue, last);
    }
    return last;
  }

  private symbolLabel(exchange: Exchange, symbol: string): string {
    let seen = this.symbolsSeen.get(exchange);
    if (seen === undefined) {
      seen = new Set();
      this.symbolsSeen.set(exchange, seen);
    }
    if (seen.has(symbol)) return symbol;
    if (seen.size >= this.maxSymbols) return OTHER_SYMBOL;
    seen.add(symbol);
    return symbol;
  }
}

function isCount(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

function setIfFinite<T extends string>(
  gauge: Gauge<T>,
  labels: Partial<Record<T, string | number>>,
  value: number,
): void {
  if (Number.isFinite(value)) gauge.set(labels, value);
}
