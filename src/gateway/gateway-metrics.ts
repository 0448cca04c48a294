/**
 * The gateway's own figures on `/metrics` (beside ingest's, src/gateway/metrics.ts): connections,
 * subscriptions, messages and bytes out by stream type, send-queue depth, slow-consumer drops,
 * per-stage latency, bus round trip and state, leader state. prom-client, with a Registry of its
 * own, `tickstream_gateway_` names.
 *
 * Everything but the latency histogram is read from the hub's counters at scrape time: the hot
 * path never touches prom-client. The histogram is fed by a {@link LatencySampler} (one message
 * in `sampleEvery`).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BusStatus } from '../bus/bus.js';
import { STREAM_TYPES, type SentByType } from '../net/stream-type.js';
import type { Leadership } from '../scale/leadership.js';
import { LATENCY_STAGES, LatencySampler, type LatencyStage } from './latency-sampler.js';
import type { SseStats } from './sse.js';
import type { SendQueueStats, WsStats } from './ws-server.js';

const DEFAULT_STAGE_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** What the gateway metrics read at each scrape. */
export interface GatewayMetricsSource {
  stats(): WsStats & { readonly httpRequests: number };
  sent(): SentByType;
  sendQueue(): SendQueueStats;
  busStatus(): BusStatus;
  readonly leadership: Pick<Leadership, 'isLeader'>;
  /** The SSE endpoint's figures, when it has one. */
  sse?(): SseStats;
}

export interface GatewayMetricsOptions {
  /** Upper bounds of the stage latency buckets, seconds. */
  readonly latencyBucketsSeconds?: readonly number[];
  /** Sample one bus message in this many for the latency histogram. Default 16. */
  readonly sampleEvery?: number;
}

type CounterField =
  | 'connectionsRejected'
  | 'slowConsumersDropped'
  | 'rateLimited'
  | 'oversized'
  | 'abusiveClosed'
  | 'deadPeersTerminated'
  | 'busMessages'
  | 'httpRequests';

const COUNTERS: readonly (readonly [string, string, CounterField])[] = [
  [
    'connections_rejected_total',
    'WebSocket upgrades refused (at capacity or shutting down).',
    'connectionsRejected',
  ],
  [
    'slow_consumers_dropped_total',
    'Clients closed because their send backlog passed the limit.',
    'slowConsumersDropped',
  ],
  ['rate_limited_total', 'Client messages refused by the inbound rate limit.', 'rateLimited'],
  ['oversized_messages_total', 'Client messages over the size limits.', 'oversized'],
  ['abusive_closed_total', 'Clients closed after too many rate or size violations.', 'abusiveClosed'],
  ['dead_peers_terminated_total', 'Clients terminated for not answering a ping.', 'deadPeersTerminated'],
  ['bus_messages_total', 'Messages received from the bus for local subscribers or watchers.', 'busMessages'],
  ['http_requests_total', 'HTTP requests served (WebSocket upgrades excluded).', 'httpRequests'],
];

export class GatewayMetrics {
  readonly registry = new Registry();
  /** Hand to the WsHub (`latency` option): it feeds the stage histogram. */
  readonly latency: LatencySampler;
  private source: GatewayMetricsSource | undefined;

  constructor(opts: GatewayMetricsOptions = {}) {
    const registers = [this.registry];
    const read = (): GatewayMetricsSource | undefined => this.source;

    const gauge = (name: string, help: string, value: (s: GatewayMetricsSource) => number): void => {
      new Gauge({
        name: `tickstream_gateway_${name}`,
        help,
        registers,
        collect() {
          const s = read();
          if (s !== undefined) this.set(value(s));
        },
      });
    };
    gauge('connections', 'Open WebSocket client connections.', (s) => s.stats().connections);
    gauge(
      'subscriptions',
      'Client-stream subscriptions over all connections.',
      (s) => s.stats().subscriptions,
    );
    gauge(
      'bus_topics',
      'Bus topics this gateway listens to (clients and internal watchers).',
      (s) => s.stats().busTopics,
    );
    gauge(
      'send_queue_bytes',
      'Bytes accepted for sending but not yet on the network, summed over clients.',
      (s) => s.sendQueue().totalBytes,
    );
    gauge(
      'send_queue_max_bytes',
      'The largest send backlog of one client, bytes.',
      (s) => s.sendQueue().maxBytes,
    );
    gauge('leader', 'Whether this instance holds the ingest lease (1) or follows (0).', (s) =>
      s.leadership.isLeader() ? 1 : 0,
    );

    for (const [name, help, field] of COUNTERS) {
      new Counter({
        name: `tickstream_gateway_${name}`,
        help,
        registers,
        collect() {
          const s = read();
          if (s === undefined) return;
          this.reset();
          this.inc(s.stats()[field]);
        },
      });
    }

    const byType = (name: string, help: string, field: keyof SentByType): void => {
      new Counter({
        name: `tickstream_gateway_${name}`,
        help,
        labelNames: ['type'],
        registers,
        collect() {
          const s = read();
          if (s === undefined) return;
          this.reset();
          const values = s.sent()[field];
          for (let i = 0; i < STREAM_TYPES.length; i++) {
            if (values[i] > 0) this.inc({ type: STREAM_TYPES[i] }, values[i]);
          }
        },
      });
    };
    byType(
      'messages_sent_total',
      'Messages written to clients (messages × clients), by stream type.',
      'messages',
    );
    byType(
      'bytes_sent_total',
      'Bytes written to clients (WebSocket frames, headers included), by stream type.',
      'bytes',
    );

    new Gauge({
      name: 'tickstream_gateway_bus_healthy',
      help: 'Whether the bus works end to end (1) or is degraded (0), by bus kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        const s = read();
        if (s === undefined) return;
        this.reset();
        const st = s.busStatus();
        this.set({ kind: st.kind }, st.state === 'healthy' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tickstream_gateway_bus_round_trip_seconds',
      help: 'Last measured round trip to the bus server, by bus kind (absent without a measure, e.g. the memory bus).',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        const st = read()?.busStatus();
        if (st?.roundTripMs !== undefined) this.set({ kind: st.kind }, st.roundTripMs / 1000);
      },
    });

    gauge('sse_connections', 'Open SSE connections.', (s) => s.sse?.().connections ?? 0);
    const sseCounter = (name: string, help: string, field: Exclude<keyof SseStats, 'connections'>): void => {
      new Counter({
        name: `tickstream_gateway_${name}`,
        help,
        registers,
        collect() {
          const st = read()?.sse?.();
          if (st === undefined) return;
          this.reset();
          this.inc(st[field]);
        },
      });
    };
    sseCounter('sse_rejected_total', 'SSE requests answered 503 (at capacity or shutting down).', 'rejected');
    sseCounter(
      'sse_slow_dropped_total',
      'SSE connections dropped for a send backlog over the budget.',
      'slowDropped',
    );
    sseCounter('sse_events_total', 'SSE events sent (events × connections).', 'eventsSent');

    const stages = new Histogram<'stage'>({
      name: 'tickstream_gateway_stage_latency_seconds',
      help: 'Sampled latency per stage: exchange_to_receipt (ingest receipt − exchange time), receipt_to_bus (ingest receipt → bus delivery here), bus_to_flush (bus delivery → written to client sockets).',
      labelNames: ['stage'],
      buckets: [...(opts.latencyBucketsSeconds ?? DEFAULT_STAGE_BUCKETS)],
      registers,
    });
    // Zeroed series from the start, so every stage is present before its first sample.
    for (const stage of LATENCY_STAGES) stages.zero({ stage });
    this.latency = new LatencySampler({
      observe: (stage: LatencyStage, seconds: number) => stages.observe({ stage }, seconds),
      every: opts.sampleEvery,
    });
  }

  /** Read from `source` from now on (the gateway, once its hub exists). */
  collectFrom(source: GatewayMetricsSource): void {
    this.source = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
