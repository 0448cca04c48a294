/**
 * Where armed faults meet one venue's traffic: every payload the venue publishes, every
 * subscription, every REST request pass through here while the fault store has a rule for the
 * venue (otherwise one map lookup). What is generic lives here; what only the venue knows (which
 * channel carries which symbol, which frame is a book update, how its checksum is written, its
 * 429 body, its policy close) comes from the venue's {@link VenueFaultHooks}.
 *
 * - `gap` drops the next book update of the symbol; `checksum` rewrites the next book message's
 *   checksum; `malformed` truncates the next frame of the symbol to half its bytes (unparsable);
 *   `latency` holds the next frame `ms` longer (later frames of its channel queue behind it, so
 *   order is kept). A payload published on several channels at once (Binance's three diff-depth
 *   stream names) gets the same verdict on each, and counts once.
 * - `disconnect` closes every connection carrying the symbol with the venue's planned close (the
 *   host's `lifetime` farewell: Binance's `serverShutdown` and 1001); `close1008` with the venue's
 *   policy close; `stall` corks their sockets for `ms`: nothing at all leaves (data, replies, pongs),
 *   as on a frozen path, then everything queued goes out; a backlog past the host's send budget
 *   meanwhile gets the consumer dropped as slow, as any slow consumer.
 * - `rest429` answers the next REST request naming the symbol (query value or path segment, any
 *   spelling) with 429, the venue's body and `Retry-After`.
 */
import type { Exchange } from '../core/types.js';
import type { FaultRule, FaultStore } from './faults.js';
import { FAULT_KINDS, type FaultKind } from './hub-observer.js';
import type { RestAnswer } from './rest-router.js';
import type { HostCloseReason, Session } from './venue-host.js';

/** The venue-specific half of fault injection. */
export interface VenueFaultHooks<S> {
  /** Native symbol whose data a fan-out channel carries; `'*'` for every symbol; undefined for none. */
  channelSymbol(channel: string): string | undefined;
  /** True for a sequenced book update that can be skipped. Absent: the venue has no sequence (no `gap`). */
  readonly bookUpdate?: (channel: string, payload: Buffer) => boolean;
  /** The book message with a wrong checksum; undefined when it carries none. Absent: no `checksum`. */
  readonly corruptChecksum?: (channel: string, payload: Buffer) => Buffer | undefined;
  /** The venue's policy-violation close (1008) for `close1008`, with an optional last frame. */
  policyClose(session: Session<S>): { code: number; reason: string; frame?: string | Buffer };
  /** The venue's body for HTTP 429 Too Many Requests. */
  readonly tooManyRequestsBody: unknown;
}

/** The faults a venue with `hooks` can show. */
export function supportedFaults<S>(hooks: VenueFaultHooks<S>): ReadonlySet<FaultKind> {
  return new Set(
    FAULT_KINDS.filter(
      (f) =>
        (f !== 'gap' || hooks.bookUpdate !== undefined) &&
        (f !== 'checksum' || hooks.corruptChecksum !== undefined),
    ),
  );
}

/** What the tap needs of the venue host. */
export interface FaultableHost<S> {
  all(): Iterable<Session<S>>;
  /** Close with the protocol's farewell for `why`. */
  closeAs(s: Session<S>, why: HostCloseReason): void;
  close(s: Session<S>, code: number, reason: string): void;
  send(s: Session<S>, data: string | Buffer): void;
  /** Publish on the fan-out, past the tap. */
  publishNow(channel: string, payload: Buffer): void;
  now(): number;
}

const CONNECTION_FAULTS: readonly FaultKind[] = ['disconnect', 'close1008', 'stall'];

interface HeldFrame {
  readonly payload: Buffer;
  readonly due: number;
}

interface HeldChannel {
  readonly frames: HeldFrame[];
  timer: NodeJS.Timeout | undefined;
}

export class FaultTap<S> {
  private readonly held = new Map<string, HeldChannel>();
  private readonly stalled = new Map<Session<S>, NodeJS.Timeout>();
  /** The last payload judged and the verdict: the same buffer on another channel gets the same. */
  private lastIn: Buffer | undefined = undefined;
  private lastOut: Buffer | undefined = undefined;
  private lastDelay = 0;
  private closed = false;

  constructor(
    private readonly store: FaultStore,
    private readonly exchange: Exchange,
    private readonly hooks: VenueFaultHooks<S>,
    private readonly host: FaultableHost<S>,
  ) {
    store.onReady(exchange, (rule) => this.ready(rule));
  }

  /** One payload the venue publishes on `channel`. */
  publish(channel: string, payload: Buffer): void {
    if (this.held.size === 0 && !this.store.armed(this.exchange)) {
      this.host.publishNow(channel, payload);
      return;
    }
    if (payload !== this.lastIn) {
      this.lastIn = payload;
      this.lastDelay = 0;
      const symbol = this.hooks.channelSymbol(channel);
      this.lastOut =
        symbol === undefined || symbol === '*' ? payload : this.frameFaults(channel, symbol, payload);
    }
    if (this.lastOut !== undefined) this.hold(channel, this.lastOut, this.lastDelay);
  }

  /** A connection joined `channel`: a connection fault waiting for a connection carrying its symbol may fire. */
  subscribed(channel: string): void {
    if (!this.store.armed(this.exchange)) return;
    const symbol = this.hooks.channelSymbol(channel);
    if (symbol === undefined || symbol === '*') return;
    // After the turn: the subscribe's own reply goes out first.
    setImmediate(() => {
      for (const fault of CONNECTION_FAULTS) {
        if (this.store.ready(this.exchange, symbol, fault)) this.connectionFault(symbol, fault);
      }
    });
  }

  /** The 429 for a REST request naming a symbol with an armed `rest429`; undefined otherwise. */
  restFault(subPath: string, query: URLSearchParams): RestAnswer | undefined {
    if (!this.store.armed(this.exchange)) return undefined;
    const venue = this.store.venue(this.exchange);
    if (venue === undefined) return undefined;
    const names = new Set<string>();
    for (const candidate of restCandidates(subPath, query)) {
      const native = venue.resolve(candidate);
      if (native !== undefined) names.add(native);
    }
    for (const native of names) {
      const rule = this.store.take(this.exchange, native, 'rest429');
      if (rule === undefined) continue;
      return {
        status: 429,
        body: this.hooks.tooManyRequestsBody,
        headers: { 'Retry-After': String(rule.retryAfter) },
      };
    }
    return undefined;
  }

  /** Release every stalled socket and drop held frames (the venue is closing). */
  close(): void {
    this.closed = true;
    for (const h of this.held.values()) clearTimeout(h.timer);
    this.held.clear();
    for (const [s, timer] of this.stalled) {
      clearTimeout(timer);
      if (!s.socket.destroyed) s.socket.uncork();
    }
    this.stalled.clear();
  }

  private frameFaults(channel: string, symbol: string, payload: Buffer): Buffer | undefined {
    const { store, exchange, hooks } = this;
    if (hooks.bookUpdate?.(channel, payload) === true && store.take(exchange, symbol, 'gap') !== undefined)
      return undefined;
    let out = payload;
    if (hooks.corruptChecksum !== undefined && store.ready(exchange, symbol, 'checksum')) {
      const corrupted = hooks.corruptChecksum(channel, payload);
      if (corrupted !== undefined && store.take(exchange, symbol, 'checksum') !== undefined) out = corrupted;
    }
    if (store.take(exchange, symbol, 'malformed') !== undefined)
      out = out.subarray(0, Math.max(1, out.length >> 1));
    const latency = store.take(exchange, symbol, 'latency');
    if (latency !== undefined) this.lastDelay = latency.ms;
    return out;
  }

  /** Publish now, or after `delayMs`; never ahead of a frame held on the same channel. */
  private hold(channel: string, payload: Buffer, delayMs: number): void {
    let h = this.held.get(channel);
    if (h === undefined) {
      if (delayMs === 0) {
        this.host.publishNow(channel, payload);
        return;
      }
      h = { frames: [], timer: undefined };
      this.held.set(channel, h);
    }
    const last = h.frames.length === 0 ? 0 : h.frames[h.frames.length - 1].due;
    h.frames.push({ payload, due: Math.max(last, this.host.now() + delayMs) });
    if (h.timer === undefined) this.schedule(channel, h);
  }

  private schedule(channel: string, h: HeldChannel): void {
    const wait = Math.max(0, h.frames[0].due - this.host.now());
    h.timer = setTimeout(() => this.release(channel, h), wait);
  }

  private release(channel: string, h: HeldChannel): void {
    h.timer = undefined;
    if (this.closed) return;
    const t = this.host.now();
    let n = 0;
    while (n < h.frames.length && h.frames[n].due <= t) this.host.publishNow(channel, h.frames[n++].payload);
    h.frames.splice(0, n);
    if (h.frames.length > 0) this.schedule(channel, h);
    else this.held.delete(channel);
  }

  private ready(rule: FaultRule): void {
    if (CONNECTION_FAULTS.includes(rule.fault)) this.connectionFault(rule.symbol, rule.fault);
  }

  /** Apply a connection fault to every connection carrying `symbol`, when there is one. */
  private connectionFault(symbol: string, fault: FaultKind): void {
    if (this.closed) return;
    const targets = this.carrying(symbol).filter((s) => fault !== 'stall' || !this.stalled.has(s));
    if (targets.length === 0) return;
    const rule = this.store.take(this.exchange, symbol, fault);
    if (rule === undefined) return;
    for (const s of targets) {
      if (fault === 'disconnect') this.host.closeAs(s, 'lifetime');
      else if (fault === 'close1008') {
        const bye = this.hooks.policyClose(s);
        if (bye.frame !== undefined) this.host.send(s, bye.frame);
        this.host.close(s, bye.code, bye.reason);
      } else this.stall(s, rule.ms);
    }
  }

  private stall(s: Session<S>, ms: number): void {
    s.socket.cork();
    const timer = setTimeout(() => {
      this.stalled.delete(s);
      if (!s.socket.destroyed) s.socket.uncork();
    }, ms);
    this.stalled.set(s, timer);
  }

  private carrying(symbol: string): Session<S>[] {
    const out: Session<S>[] = [];
    for (const s of this.host.all()) {
      if (s.closing) continue;
      for (const ch of s.channels) {
        const carried = this.hooks.channelSymbol(ch);
        if (carried === symbol || carried === '*') {
          out.push(s);
          break;
        }
      }
    }
    return out;
  }
}

/** Every string of a REST request that may name a symbol: path segments and query values. */
function restCandidates(subPath: string, query: URLSearchParams): string[] {
  const out: string[] = [];
  for (const segment of subPath.split('/')) {
    if (segment === '') continue;
    try {
      out.push(decodeURIComponent(segment));
    } catch {
      // Not percent-encoding: names no symbol.
    }
  }
  for (const value of query.values()) {
    for (const part of value.split(/[,[\]"\s]+/)) if (part !== '') out.push(part);
  }
  return out;
}
