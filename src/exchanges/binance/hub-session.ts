/**
 * Binance Spot's rules for the venue host: its stream URLs (`/ws`, `/ws/<streams>`,
 * `/stream?streams=…`), control protocol, connection rules (server ping, pong deadline,
 * 5 incoming frames per second, 1024 streams, 24 h lifetime) and goodbyes.
 *
 * A `/ws/…` path segment that is not a stream name (no `@`, not a `!…` stream: `/ws/0`, as client
 * libraries open before they SUBSCRIBE) is accepted and subscribes nothing, as on Binance.
 *
 * Hub choices where Binance documents nothing: a path that is not a stream endpoint is refused
 * with HTTP 404 JSON, and a segment that names a stream but is malformed (`btcusdt@trades`) with
 * HTTP 400 JSON, as is a well-formed one the replay cannot serve (stream-catalog.ts; on
 * SUBSCRIBE: error code 2, and nothing of that request is subscribed); a consumer that misses the
 * pong deadline is cut (TCP closed, like a dead peer); a consumer whose send buffer passes
 * `maxBufferedBytes` is closed with 1013 "Slow consumer"; on shutdown and at the end of the
 * connection lifetime consumers get Binance's `serverShutdown` event, then close 1001.
 */
import {
  DEFAULT_HOST_RULES,
  type HostCloseReason,
  type HostRules,
  type Session,
  type SessionHost,
  type UpgradeRequest,
  type UpgradeVerdict,
  type VenueProtocol,
} from '../../replay/venue-host.js';
import {
  ControlErrorCode,
  MAX_STREAMS_PER_CONNECTION,
  errorReply,
  isWellFormedStreamName,
  parseControl,
  resultReply,
  type ControlRequest,
} from './hub-protocol.js';

/** Binance's connection rules (EXCHANGES.md §1.2) on the host's defaults; the endpoint's options override them. */
export const BINANCE_HOST_RULES: HostRules = Object.freeze({
  ...DEFAULT_HOST_RULES,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 60_000,
  maxIncoming: 5,
  rateWindowMs: 1000,
  countControlFrames: true,
  maxLifetimeMs: 86_400_000,
  idleTimeoutMs: 0,
  maxPayloadBytes: 256 * 1024,
});

/** A Binance connection keeps nothing of its own: its streams and envelope are the session's. */
export type BinanceSession = Session<null>;

/** What the protocol asks of the replay. */
export interface BinanceStreamSource {
  /** Why the well-formed stream `name` cannot be served (stream-catalog.ts); undefined when it is. */
  refusal(name: string): string | undefined;
  /** Replay time (wall clock before the first event): `E` of the shutdown notice. */
  serverTime(): number;
}

const TOO_MANY_STREAMS = `Invalid request: too many streams, at most ${MAX_STREAMS_PER_CONNECTION} per connection`;

/** True for the paths that are stream endpoints (they need a WebSocket upgrade). */
export function isStreamPath(subPath: string): boolean {
  return subPath === '/ws' || subPath.startsWith('/ws/') || subPath === '/stream' || subPath === '/stream/';
}

/** A percent-decoded path segment; undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A `streams=a/b` list → `['a','b']`; undefined when a name is not valid percent-encoding. */
function splitStreams(list: string): string[] | undefined {
  const out: string[] = [];
  for (const segment of list.split('/')) {
    if (segment === '') continue;
    const name = decodeSegment(segment);
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

/** Stream names hold `@` (`btcusdt@trade`) or start with `!` (`!bookTicker`). */
function namesAStream(segment: string): boolean {
  return segment.includes('@') || segment.startsWith('!');
}

/**
 * The streams of a raw path (`/ws/a/b` → `['a','b']`). Segments that are not stream names
 * (`/ws/0`, an undecodable `%zz`) are skipped: the connection opens without them.
 */
function rawPathStreams(rest: string): string[] {
  const out: string[] = [];
  for (const segment of rest.split('/')) {
    const name = decodeSegment(segment);
    if (name !== undefined && namesAStream(name)) out.push(name);
  }
  return out;
}

function refuse(status: number, error: string, path: string): UpgradeVerdict<null> {
  return { accept: false, status, body: { error, path } };
}

/** Binance's side of every session: routing, control requests, goodbyes. */
export class BinanceProtocol implements VenueProtocol<null> {
  /** Control requests answered with an error. */
  controlErrors = 0;
  private readonly source: BinanceStreamSource;

  constructor(source: BinanceStreamSource) {
    this.source = source;
  }

  accept({ subPath, query, path }: UpgradeRequest): UpgradeVerdict<null> {
    let combined: boolean;
    let streams: string[] | undefined;
    if (subPath === '/ws' || subPath.startsWith('/ws/')) {
      combined = false;
      streams = rawPathStreams(subPath.slice(3));
    } else if (subPath === '/stream' || subPath === '/stream/') {
      combined = true;
      // URLSearchParams reads `+` as a space; stream names never hold spaces (`@+08:00` does hold `+`).
      streams = splitStreams((query.get('streams') ?? '').replace(/ /g, '+'));
    } else {
      return refuse(404, `no Binance stream endpoint at ${path}`, path);
    }
    if (streams === undefined) return refuse(400, 'malformed stream list', path);
    for (const s of streams) {
      if (!isWellFormedStreamName(s)) return refuse(400, `invalid stream name ${s}`, path);
      const refusal = this.source.refusal(s);
      if (refusal !== undefined) return refuse(400, `stream ${s} is not available: ${refusal}`, path);
    }
    if (new Set(streams).size > MAX_STREAMS_PER_CONNECTION) return refuse(400, TOO_MANY_STREAMS, path);
    return { accept: true, state: null, wrapped: combined, channels: streams };
  }

  message(s: BinanceSession, data: Buffer, _isBinary: boolean, host: SessionHost<null>): void {
    const parsed = parseControl(data);
    if (!parsed.ok) {
      this.controlErrors++;
      host.send(s, parsed.reply);
      return;
    }
    host.send(s, this.execute(s, parsed.request, host));
  }

  farewell(s: BinanceSession, reason: HostCloseReason): { code: number; reason: string; frame?: string } {
    switch (reason) {
      case 'rate':
        return { code: 1008, reason: 'Too many requests' };
      case 'slow':
        return { code: 1013, reason: 'Slow consumer' };
      case 'shutdown':
        return { code: 1001, reason: 'Server shutting down', frame: this.shutdownNotice(s) };
      case 'lifetime':
        return { code: 1001, reason: 'Connection lifetime reached', frame: this.shutdownNotice(s) };
      case 'idle':
        // Binance cuts no idle connection (BINANCE_HOST_RULES has no idle timeout); should one be
        // configured, it is a planned disconnect like the others.
        return { code: 1001, reason: 'Idle timeout', frame: this.shutdownNotice(s) };
    }
  }

  /** The reply to one understood request. */
  private execute(s: BinanceSession, req: ControlRequest, host: SessionHost<null>): string {
    switch (req.method) {
      case 'SUBSCRIBE': {
        const fresh = new Set<string>();
        for (const name of req.streams) {
          if (s.channels.has(name)) continue;
          const refusal = this.source.refusal(name);
          if (refusal !== undefined) {
            this.controlErrors++;
            return errorReply(
              ControlErrorCode.InvalidRequest,
              `Invalid request: stream \`${name}\` is not available: ${refusal}`,
              req.id,
            );
          }
          fresh.add(name);
        }
        if (s.channels.size + fresh.size > MAX_STREAMS_PER_CONNECTION) {
          this.controlErrors++;
          return errorReply(ControlErrorCode.InvalidRequest, TOO_MANY_STREAMS, req.id);
        }
        for (const name of fresh) host.subscribe(s, name);
        return resultReply(null, req.id);
      }
      case 'UNSUBSCRIBE':
        for (const name of req.streams) host.unsubscribe(s, name);
        return resultReply(null, req.id);
      case 'LIST_SUBSCRIPTIONS':
        return resultReply([...s.channels], req.id);
      case 'SET_PROPERTY':
        host.setWrapped(s, req.value);
        return resultReply(null, req.id);
      case 'GET_PROPERTY':
        return resultReply(s.wrapped, req.id);
    }
  }

  /** Binance's planned-disconnect notice, in the session's envelope. */
  private shutdownNotice(s: BinanceSession): string {
    const data = { e: 'serverShutdown', E: this.source.serverTime() };
    return JSON.stringify(s.wrapped ? { stream: '!serverShutdown', data } : data);
  }
}
