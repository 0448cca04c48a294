/**
 * The `VenueEndpoint` every hub venue is: a {@link VenueHost} for its WebSocket paths, its replay
 * timeline behind them, and its REST mirror; a plain HTTP request on a stream path gets 426. A
 * venue supplies the parts; this glue is written once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Exchange } from '../core/types.js';
import type { ReplayEvent } from './events.js';
import { FaultTap, supportedFaults, type VenueFaultHooks } from './fault-tap.js';
import type { FaultStore } from './faults.js';
import { sendJson } from './http.js';
import type { FaultKind } from './hub-observer.js';
import type { VenueEndpoint, VenueStats } from './hub.js';
import { writeAnswer } from './rest-router.js';
import type { HostTraffic, VenueHost } from './venue-host.js';

/** A venue's replay state: what it is pushed and what it reports. */
export interface VenueTimeline {
  push(event: ReplayEvent): void;
  advanceTo(ts: number): void;
  /** The replay was seeked to `ts` (maybe earlier than now): time-cadenced streams go on from there. */
  rewindTo(ts: number): void;
  /** Replay time of the newest event or advance, ms; null before the first. */
  readonly replayTime: number | null;
  /** Native symbols seen so far. */
  symbols(): readonly string[];
}

export type RestHandlerFn = (
  req: IncomingMessage,
  res: ServerResponse,
  subPath: string,
  query: URLSearchParams,
) => void;

export interface HostedEndpointParts<S, C extends { readonly [K in keyof C]: number }> {
  readonly exchange: Exchange;
  /** `/binance`: starts with `/`, no trailing `/`. */
  readonly prefix: string;
  readonly host: VenueHost<S>;
  readonly timeline: VenueTimeline;
  /** True for the paths the venue serves over WebSocket only. */
  isStreamPath(subPath: string): boolean;
  /** The venue's REST mirror (a RestRouter's `handle`, or a handler of its own). */
  readonly rest: RestHandlerFn;
  /** Every counter worth reporting, host counters included, as the venue names them. */
  counters(): C;
  /** The venue's side of fault injection (fault-tap.ts); without it the venue takes no faults. */
  readonly faultHooks?: VenueFaultHooks<S>;
}

export class HostedEndpoint<S, C extends { readonly [K in keyof C]: number }> implements VenueEndpoint {
  readonly exchange: Exchange;
  readonly prefix: string;
  readonly faultSupport: ReadonlySet<FaultKind> | undefined;
  private readonly parts: HostedEndpointParts<S, C>;
  private faults: FaultTap<S> | undefined = undefined;

  constructor(parts: HostedEndpointParts<S, C>) {
    this.parts = parts;
    this.exchange = parts.exchange;
    this.prefix = parts.prefix;
    this.faultSupport = parts.faultHooks === undefined ? undefined : supportedFaults(parts.faultHooks);
  }

  attachFaults(store: FaultStore): void {
    const hooks = this.parts.faultHooks;
    if (hooks === undefined || this.faults !== undefined) return;
    const host = this.parts.host;
    this.faults = new FaultTap(store, this.exchange, hooks, host);
    host.setFaults(this.faults);
  }

  push(event: ReplayEvent): void {
    this.parts.timeline.push(event);
  }

  advanceTo(ts: number): void {
    this.parts.timeline.advanceTo(ts);
  }

  rewindTo(ts: number): void {
    this.parts.timeline.rewindTo(ts);
  }

  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    subPath: string,
    query: URLSearchParams,
  ): void {
    this.parts.host.handleUpgrade({ req, subPath, query, path: this.prefix + subPath }, socket, head);
  }

  handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void {
    if (this.parts.isStreamPath(subPath)) {
      sendJson(res, 426, { error: 'WebSocket upgrade required', path: this.prefix + subPath });
      return;
    }
    const refused = this.faults?.restFault(subPath, query);
    if (refused !== undefined) {
      writeAnswer(res, refused, req.method === 'HEAD');
      return;
    }
    this.parts.rest(req, res, subPath, query);
  }

  counters(): C {
    return this.parts.counters();
  }

  traffic(): HostTraffic {
    return this.parts.host.traffic();
  }

  stats(): VenueStats {
    return {
      exchange: this.exchange,
      prefix: this.prefix,
      symbols: this.parts.timeline.symbols(),
      consumers: this.parts.host.consumers,
      replayTime: this.parts.timeline.replayTime,
      // Counters are numbers by the type's constraint; widened to the report's record type.
      counters: { ...this.parts.counters() } as Readonly<Record<string, number>>,
    };
  }

  close(): Promise<void> {
    return this.parts.host.closeAll();
  }
}
