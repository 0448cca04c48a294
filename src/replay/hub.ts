import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Exchange } from '../core/types.js';
import type { Logger } from '../core/logger.js';
import { answerClientError } from '../net/client-error.js';
import type { ReplayEvent, ReplaySink } from './events.js';
import type { FaultStore } from './faults.js';
import type { FaultKind } from './hub-observer.js';
import { rejectUpgrade, sendJson, splitTarget } from './http.js';
import type { HubMetrics } from './hub-metrics.js';
import { SILENT_OBSERVER, type HubObserver } from './hub-observer.js';
import type { HostTraffic } from './venue-host.js';

/** What a venue endpoint reports for `GET /health` and for tests. */
export interface VenueStats {
  readonly exchange: Exchange;
  readonly prefix: string;
  /** Native symbols the venue has seen events for. */
  readonly symbols: readonly string[];
  /** Open consumer connections. */
  readonly consumers: number;
  /** Replay time of the newest event pushed, ms; null before the first. */
  readonly replayTime: number | null;
  /** Venue-specific counters (frames built, consumers dropped, …). */
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * One exchange mirrored under a path prefix of the hub (`/binance`, `/kraken`, …). The hub
 * strips the prefix and hands over the rest of the path (`''` or starting with `/`).
 */
export interface VenueEndpoint {
  readonly exchange: Exchange;
  /** `/binance`: starts with `/`, no trailing `/`. */
  readonly prefix: string;
  /** A WebSocket upgrade under the prefix. The venue completes or rejects it. */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    subPath: string,
    query: URLSearchParams,
  ): void;
  /** A plain HTTP request under the prefix (the venue's REST mirror). */
  handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): void;
  /** One replay event for this venue. Synchronous; must never block on consumers. */
  push(event: ReplayEvent): void;
  /** Move the venue's replay clock without an event (emits cadenced streams due by `ts`). */
  advanceTo(ts: number): void;
  /** The replay was seeked to `ts` (maybe earlier than now): time-cadenced streams go on from there. */
  rewindTo?(ts: number): void;
  /** Close every consumer and stop timers. */
  close(): Promise<void>;
  stats(): VenueStats;
  /** Consumers and what was sent to them by stream type, for `/metrics` (read at scrape time). */
  traffic?(): HostTraffic;
  /** Faults the venue can show; undefined when it takes none. */
  readonly faultSupport?: ReadonlySet<FaultKind>;
  /** Let `store`'s rules act on the venue's traffic. */
  attachFaults?(store: FaultStore): void;
}

export interface ReplayHubOptions {
  readonly logger: Logger;
  readonly venues?: readonly VenueEndpoint[];
  /** Serve `GET /metrics` from these, and report the hub's parts through them. */
  readonly metrics?: HubMetrics;
}

/** `GET /` and `GET /health`. */
export interface HubHealth {
  readonly status: 'ok';
  /** Newest replay time over all venues, ms; null before any event. */
  readonly replayTime: number | null;
  readonly consumers: number;
  readonly unroutedEvents: number;
  readonly venues: readonly VenueStats[];
}

/**
 * The replay hub: one HTTP server that mirrors each exchange's own URLs under a prefix
 * (WebSocket streams and the REST calls clients make to sync), fed by replay publishers
 * through {@link push}.
 */
/** Answers a hub request outside the venue mounts (`/control/...`); false when not its path. */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/** Takes a WebSocket upgrade outside the venue mounts (the publisher links); false when not its path. */
export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  path: string,
  query: URLSearchParams,
) => boolean;

export class ReplayHub implements ReplaySink {
  private readonly logger: Logger;
  private readonly metrics: HubMetrics | undefined;
  /** What the hub's parts report through: its metrics, or nowhere. */
  readonly observer: HubObserver;
  private readonly controls: ControlHandler[] = [];
  private upgrades: UpgradeHandler | undefined;
  private readonly list: VenueEndpoint[] = [];
  private readonly byExchange = new Map<Exchange, VenueEndpoint>();
  private server: Server | undefined = undefined;
  private unrouted = 0;
  private closed = false;

  constructor(opts: ReplayHubOptions) {
    this.logger = opts.logger.child({ component: 'replay-hub' });
    this.metrics = opts.metrics;
    this.observer = opts.metrics ?? SILENT_OBSERVER;
    opts.metrics?.attach(this);
    for (const venue of opts.venues ?? []) this.addVenue(venue);
  }

  /** Mount a venue. Prefixes and exchanges must be unique. */
  addVenue(venue: VenueEndpoint): void {
    const p = venue.prefix;
    if (!p.startsWith('/') || p.endsWith('/') || p.length < 2) {
      throw new TypeError(`venue prefix must look like "/name", got ${JSON.stringify(p)}`);
    }
    if (this.byExchange.has(venue.exchange))
      throw new TypeError(`venue for ${venue.exchange} already mounted`);
    if (this.list.some((v) => v.prefix === p)) throw new TypeError(`prefix ${p} already mounted`);
    this.list.push(venue);
    this.byExchange.set(venue.exchange, venue);
  }

  get venues(): readonly VenueEndpoint[] {
    return this.list;
  }

  /** Events pushed for an exchange with no venue mounted (dropped). */
  get unroutedEvents(): number {
    return this.unrouted;
  }

  /** Start listening; resolves with the bound port (pass 0 for an ephemeral one). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    if (this.server !== undefined) return Promise.reject(new Error('replay hub already listening'));
    if (this.closed) return Promise.reject(new Error('replay hub closed'));
    const server = createServer((req, res) => this.onRequest(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(req, socket, head),
    );
    server.on('clientError', answerClientError);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.logger.error({ err }, 'replay hub server error'));
        const bound = (server.address() as AddressInfo).port;
        this.logger.info({ host, port: bound, prefixes: this.prefixes() }, 'replay hub listening');
        resolve(bound);
      });
    });
  }

  push(event: ReplayEvent): void {
    const venue = this.byExchange.get(event.exchange);
    if (venue === undefined) {
      if (this.unrouted++ === 0)
        this.logger.warn({ exchange: event.exchange }, 'replay event for an unmounted venue');
      return;
    }
    venue.push(event);
  }

  /** Move every venue's replay clock (cadenced streams) without an event. */
  /** A seek of `exchange`'s replay to `ts`: its venue's clock starts again there. */
  seeked(exchange: Exchange, ts: number): void {
    this.byExchange.get(exchange)?.rewindTo?.(ts);
  }

  advanceTo(ts: number): void {
    for (let i = 0; i < this.list.length; i++) this.list[i].advanceTo(ts);
  }

  health(): HubHealth {
    const venues = this.list.map((v) => v.stats());
    let replayTime: number | null = null;
    let consumers = 0;
    for (const s of venues) {
      consumers += s.consumers;
      if (s.replayTime !== null && (replayTime === null || s.replayTime > replayTime))
        replayTime = s.replayTime;
    }
    return { status: 'ok', replayTime, consumers, unroutedEvents: this.unrouted, venues };
  }

  /** Close every consumer of every venue, then the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const server = this.server;
    const stopped =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all(this.list.map((v) => v.close()));
    server?.closeAllConnections();
    await stopped;
  }

  // ---- routing

  private prefixes(): string[] {
    return this.list.map((v) => v.prefix);
  }

  private route(path: string): { venue: VenueEndpoint; subPath: string } | undefined {
    for (let i = 0; i < this.list.length; i++) {
      const venue = this.list[i];
      const p = venue.prefix;
      if (path === p) return { venue, subPath: '' };
      if (path.length > p.length && path.startsWith(p) && path.charCodeAt(p.length) === 47 /* / */) {
        return { venue, subPath: path.slice(p.length) };
      }
    }
    return undefined;
  }

  /** Take upgrades outside the venue mounts with `handler` (the publisher links). */
  setUpgradeHandler(handler: UpgradeHandler): void {
    this.upgrades = handler;
  }

  /**
   * Serve `/control/*` with `handler` too (it returns false for a path that is not its own);
   * handlers are asked in the order they were added.
   */
  addControl(handler: ControlHandler): void {
    this.controls.push(handler);
  }

  private notFound(path: string): { error: string; path: string; prefixes: string[] } {
    return { error: `no replay endpoint at ${path}`, path, prefixes: this.prefixes() };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const { path, query } = splitTarget(req.url);
    try {
      const hit = this.route(path);
      if (hit !== undefined) {
        hit.venue.handleHttp(req, res, hit.subPath, query);
        return;
      }
      for (const control of this.controls) if (control(req, res, path)) return;
      if ((path === '/' || path === '/health') && (req.method === 'GET' || req.method === 'HEAD')) {
        sendJson(res, 200, this.health(), req.method === 'HEAD');
        return;
      }
      if (path === '/metrics' && this.metrics !== undefined) {
        this.serveMetrics(this.metrics, req, res);
        return;
      }
      sendJson(res, 404, this.notFound(path));
    } catch (err) {
      this.observer.error('http');
      this.logger.error({ err, path }, 'replay hub request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error', path });
      else res.destroy();
    }
  }

  private serveMetrics(metrics: HubMetrics, req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { error: `${req.method ?? 'this method'} is not allowed on /metrics: use GET` });
      return;
    }
    metrics.text().then(
      (text) => {
        res.writeHead(200, {
          'Content-Type': metrics.contentType,
          'Content-Length': Buffer.byteLength(text),
          'Cache-Control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        this.observer.error('internal');
        this.logger.error({ err }, 'collecting /metrics failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'collecting metrics failed', path: '/metrics' });
        else res.destroy();
      },
    );
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { path, query } = splitTarget(req.url);
    if (this.closed) {
      rejectUpgrade(socket, 503, { error: 'replay hub is shutting down', path });
      return;
    }
    const hit = this.route(path);
    if (hit === undefined) {
      if (this.upgrades?.(req, socket, head, path, query) === true) return;
      rejectUpgrade(socket, 404, this.notFound(path));
      return;
    }
    try {
      hit.venue.handleUpgrade(req, socket, head, hit.subPath, query);
    } catch (err) {
      this.observer.error('internal');
      this.logger.error({ err, path }, 'replay hub upgrade failed');
      rejectUpgrade(socket, 500, { error: 'internal error', path });
    }
  }
}
