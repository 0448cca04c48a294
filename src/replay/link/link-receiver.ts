/**
 * The hub's end of the publisher links (see link-wire.ts): accepts one link per exchange at
 * `/_link/<exchange>?token=…`, pushes each batch's events into the hub, acks it, keeps each
 * publisher's last reported state, and relays control actions to the publisher processes.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { EXCHANGES, type Exchange } from '../../core/types.js';
import type { Logger } from '../../core/logger.js';
import type { ReplaySink } from '../events.js';
import { rejectUpgrade } from '../http.js';
import { SILENT_OBSERVER, type DropReason, type HubObserver } from '../hub-observer.js';
import {
  LINK_PATH_PREFIX,
  decodeBatch,
  isBatch,
  type ControlAction,
  type PublisherState,
} from './link-wire.js';

/** A control reply not back within this long fails the request. */
const CONTROL_TIMEOUT_MS = 10_000;

export interface LinkReceiverOptions {
  readonly sink: ReplaySink;
  readonly logger: Logger;
  readonly observer?: HubObserver;
  /** Links must present it (`?token=`); made at random when not given. */
  readonly token?: string;
  /** How often each exchange's publisher process was restarted (the supervisor knows). */
  readonly restarts?: (exchange: Exchange) => number;
  /** Whether the hub already holds state (books) of `exchange`; a link to a hub without starts books afresh. */
  readonly hasState?: (exchange: Exchange) => boolean;
}

interface Link {
  readonly ws: WebSocket;
  readonly exchange: Exchange;
  pid: number;
  state: PublisherState | undefined;
  batches: number;
  events: number;
  /** The newest batch pushed and not acked yet (0: none); acks are cumulative, one per turn. */
  unacked: number;
}

export class LinkReceiver {
  readonly token: string;
  private readonly opts: LinkReceiverOptions;
  private readonly observer: HubObserver;
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 << 20,
  });
  private readonly links = new Map<Exchange, Link>();
  /** The last state each exchange's publisher reported, kept across its restarts. */
  private readonly lastState = new Map<Exchange, PublisherState>();
  private readonly reportedDrops = new Map<string, number>();
  private readonly replies = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private controlSeq = 0;
  private readonly connectWaiters = new Set<() => void>();
  private readonly everConnected = new Set<Exchange>();
  private closing = false;
  private badItems = 0;

  constructor(opts: LinkReceiverOptions) {
    this.opts = opts;
    this.observer = opts.observer ?? SILENT_OBSERVER;
    this.token = opts.token ?? randomBytes(16).toString('hex');
  }

  /** Takes the upgrade when `path` is a link path; false otherwise. */
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    path: string,
    query: URLSearchParams,
  ): boolean {
    if (!path.startsWith(LINK_PATH_PREFIX)) return false;
    const exchange = path.slice(LINK_PATH_PREFIX.length) as Exchange;
    if (!EXCHANGES.includes(exchange)) {
      rejectUpgrade(socket, 404, {
        error: `no publisher link for ${JSON.stringify(exchange)}; use one of ${EXCHANGES.join(', ')}`,
      });
      return true;
    }
    if (!this.tokenMatches(query.get('token') ?? '')) {
      rejectUpgrade(socket, 401, {
        error: 'publisher links need the token the supervisor hands its publishers',
      });
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(ws, exchange));
    return true;
  }

  /**
   * Resolves once every one of `exchanges` has had its publisher connect, or after `timeoutMs`
   * (resolving with the ones still missing).
   */
  async whenConnected(exchanges: readonly Exchange[], timeoutMs: number): Promise<Exchange[]> {
    // Ever connected: a short replay's publisher may have finished and left already.
    const missing = () => exchanges.filter((e) => !this.everConnected.has(e));
    if (missing().length === 0) return [];
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.connectWaiters.delete(check);
        resolve(missing());
      }, timeoutMs);
      const check = (): void => {
        if (missing().length > 0) return;
        clearTimeout(timer);
        this.connectWaiters.delete(check);
        resolve([]);
      };
      this.connectWaiters.add(check);
    });
  }

  /** Exchanges with a publisher connected now. */
  connected(): Exchange[] {
    return [...this.links.keys()];
  }

  /** The last state each publisher reported (connected or not). */
  states(): ReadonlyMap<Exchange, PublisherState> {
    return this.lastState;
  }

  /** Sends `action` to `exchange`'s publisher; resolves on its reply. */
  control(exchange: Exchange, action: ControlAction): Promise<void> {
    const link = this.links.get(exchange);
    if (link === undefined)
      return Promise.reject(new Error(`the ${exchange} publisher is not connected (restarting?); try again`));
    const id = ++this.controlSeq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`the ${exchange} publisher did not answer within ${CONTROL_TIMEOUT_MS} ms`));
      }, CONTROL_TIMEOUT_MS);
      this.replies.set(id, { resolve, reject, timer });
      link.ws.send(JSON.stringify({ t: 'control', id, ...action }));
    });
  }

  /**
   * Takes no more batches and closes every link with a close frame, which follows the acks
   * already sent: a batch the hub pushed is acked, one it did not is sent again by the publisher
   * (to the next hub), so a hub restart neither loses nor repeats. A link whose close handshake
   * does not end within `timeoutMs` is cut.
   */
  async close(timeoutMs = 2000): Promise<void> {
    this.closing = true;
    for (const r of this.replies.values()) {
      clearTimeout(r.timer);
      r.reject(new Error('the hub is stopping'));
    }
    this.replies.clear();
    const links = [...this.links.values()];
    this.links.clear();
    // What was pushed is acked ahead of the close frame: the next hub must not get it again.
    for (const link of links) this.sendAck(link);
    await Promise.all(links.map((link) => closeWithin(link.ws, timeoutMs)));
    this.wss.close();
  }

  private tokenMatches(given: string): boolean {
    const a = Buffer.from(given);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private attach(ws: WebSocket, exchange: Exchange): void {
    if (this.closing) {
      ws.close(1001, 'the hub is stopping');
      return;
    }
    const previous = this.links.get(exchange);
    if (previous !== undefined) previous.ws.close(4000, 'replaced by a newer link');
    const link: Link = { ws, exchange, pid: 0, state: undefined, batches: 0, events: 0, unacked: 0 };
    this.links.set(exchange, link);
    const log = this.opts.logger.child({ exchange });
    const fresh = !(this.opts.hasState?.(exchange) ?? false);
    log.info({ fresh }, 'publisher link connected');
    ws.send(JSON.stringify({ t: 'welcome', fresh }));
    this.everConnected.add(exchange);
    for (const check of [...this.connectWaiters]) check();
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.refuse(link, 'link frames are text');
      this.onMessage(link, data as Buffer);
    });
    ws.on('close', () => {
      if (this.links.get(exchange) === link) this.links.delete(exchange);
      log.info({ batches: link.batches, events: link.events }, 'publisher link closed');
    });
    ws.on('error', (err) => log.warn({ err: err.message }, 'publisher link error'));
  }

  private refuse(link: Link, why: string): void {
    this.observer.error('link', link.exchange);
    this.opts.logger.error({ exchange: link.exchange, why }, 'bad publisher link frame; closing the link');
    link.ws.close(1003, why.slice(0, 120));
  }

  private onMessage(link: Link, frame: Buffer): void {
    // Closing: nothing more is pushed or acked (the publisher sends it again to the next hub).
    if (this.closing) return;
    if (isBatch(frame)) return this.onBatch(link, frame);
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(frame.toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.refuse(link, 'a link frame is not JSON');
    }
    switch (message.t) {
      case 'hello':
        link.pid = typeof message.pid === 'number' ? message.pid : 0;
        return;
      case 'status':
        return this.onStatus(link, message as unknown as PublisherState);
      case 'reply':
        return this.onReply(message);
      default:
        return this.refuse(link, `unknown link message type ${JSON.stringify(message.t)}`);
    }
  }

  private onBatch(link: Link, frame: Buffer): void {
    const batch = decodeBatch(link.exchange, frame);
    if (typeof batch === 'string') return this.refuse(link, batch);
    const sink = this.opts.sink;
    const items = batch.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typeof item === 'string') {
        if (this.badItems++ === 0)
          this.opts.logger.warn({ exchange: link.exchange, why: item }, 'skipping a bad link item');
        this.observer.error('link', link.exchange);
        continue;
      }
      try {
        if ('event' in item) {
          sink.push(item.event);
          link.events++;
        } else if ('seek' in item) sink.seeked?.(link.exchange, item.seek);
        else sink.advanceTo?.(item.advance);
      } catch (err) {
        this.observer.error('transform', link.exchange);
        this.opts.logger.error({ err, exchange: link.exchange }, 'a replay event could not be applied');
      }
    }
    link.batches++;
    this.observer.transformToSend(link.exchange, Date.now() - batch.at);
    // One ack for the batches of a turn: each ack is a socket write of its own (about 0.1 ms of
    // the hub's time here, most of it in the kernel), and acks are cumulative anyway.
    if (link.unacked === 0) setImmediate(() => this.sendAck(link));
    link.unacked = batch.seq;
  }

  /** Acks every batch of `link` pushed so far (the publisher takes an ack for all before it). */
  private sendAck(link: Link): void {
    if (link.unacked === 0) return;
    if (link.ws.readyState === WebSocket.OPEN) link.ws.send(`{"t":"ack","seq":${link.unacked}}`);
    link.unacked = 0;
  }

  private onStatus(link: Link, state: PublisherState): void {
    link.state = state;
    this.lastState.set(link.exchange, state);
    this.observer.publisher({
      exchange: link.exchange,
      pid: state.pid,
      rssBytes: state.rssBytes,
      heapLiveBytes: state.heapLiveBytes,
      cpuPercent: state.cpuPercent,
      messagesPerSecond: state.messagesPerSecond,
      messagesPublished: state.published,
      restarts: this.opts.restarts?.(link.exchange) ?? 0,
    });
    for (const [name, figures] of Object.entries(state.buffers ?? {})) {
      this.observer.buffer(link.exchange, name as 'send', figures.messages, figures.bytes);
    }
    for (const [reason, bySymbol] of Object.entries(state.drops ?? {})) {
      for (const [symbol, total] of Object.entries(bySymbol ?? {})) {
        const key = `${link.exchange}\u0000${state.pid}\u0000${reason}\u0000${symbol}`;
        const delta = total - (this.reportedDrops.get(key) ?? 0);
        if (delta > 0) this.observer.dropped(link.exchange, reason as DropReason, symbol, delta);
        this.reportedDrops.set(key, total);
      }
    }
  }

  private onReply(message: Record<string, unknown>): void {
    const pending = this.replies.get(message.id as number);
    if (pending === undefined) return;
    this.replies.delete(message.id as number);
    clearTimeout(pending.timer);
    if (message.ok === true) pending.resolve();
    else
      pending.reject(new Error(typeof message.error === 'string' ? message.error : 'the publisher refused'));
  }
}

/** Closes `ws` with 1001 and waits for the handshake; cuts it after `ms`. */
function closeWithin(ws: WebSocket, ms: number): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, ms);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1001, 'the hub is stopping');
  });
}
