/**
 * What the replay hub's parts report as it happens, for `/metrics` (src/replay/hub-metrics.ts
 * implements it with prom-client). Every part takes an optional observer and defaults to
 * {@link SILENT_OBSERVER}, so a part used alone (a unit test, the bench) reports nowhere.
 */
import type { Exchange } from '../core/types.js';

/** The faults the hub injects (../shared/DESIGN.md "Replay processes"). */
export const FAULT_KINDS = [
  'disconnect',
  'close1008',
  'stall',
  'latency',
  'gap',
  'checksum',
  'malformed',
  'rest429',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Why a buffered replay message was dropped before it reached the hub. */
export type DropReason = 'overflow' | 'increment-dropped' | 'reconnect-overflow' | 'shutdown';

/** Where a hub error came from. */
export type HubErrorCategory = 'protocol' | 'link' | 'publisher' | 'transform' | 'http' | 'internal';

/** One publisher process as it last reported itself. */
export interface PublisherFigures {
  readonly exchange: Exchange;
  readonly pid: number;
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** JS heap in use after its latest full collection, bytes; absent before one. */
  readonly heapLiveBytes?: number;
  /** CPU used since the previous report, percent of one core. */
  readonly cpuPercent: number;
  readonly messagesPerSecond: number;
  readonly messagesPublished: number;
  readonly restarts: number;
}

export interface HubObserver {
  /** A fault was injected into what a consumer of `exchange` sees. */
  faultInjected(exchange: Exchange, fault: FaultKind, symbol: string): void;
  /** `count` buffered messages of `symbol` were dropped for `reason`. */
  dropped(exchange: Exchange, reason: DropReason, symbol: string, count: number): void;
  /** A message went from the publisher's transform to the hub's send after `ms`. */
  transformToSend(exchange: Exchange, ms: number): void;
  /** Something failed; counted by category. */
  error(category: HubErrorCategory, exchange?: Exchange): void;
  /** A publisher process reported its figures. */
  publisher(figures: PublisherFigures): void;
  /** A link buffer's fill level. */
  buffer(
    exchange: Exchange,
    buffer: 'transform' | 'send' | 'reconnect',
    messages: number,
    bytes: number,
  ): void;
}

export const SILENT_OBSERVER: HubObserver = Object.freeze({
  faultInjected() {},
  dropped() {},
  transformToSend() {},
  error() {},
  publisher() {},
  buffer() {},
});
