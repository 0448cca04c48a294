/**
 * What the gateway sends and what the client reports: data frames with their stream position,
 * per-stream recovery results, connection states. Types only from the normalized model, so this
 * module runs anywhere.
 */
import type { NormalizedMessage as MarketMessage } from '../core/types.js';

export type { MarketMessage };

/** A stream's position: `offset` rises by one per message, `epoch` changes when history is lost. */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}

/** One data frame: the stream name as subscribed, the normalized message and its position. */
export interface StreamMessage<M extends MarketMessage = MarketMessage> {
  readonly stream: string;
  readonly data: M;
  readonly offset?: number;
  readonly epoch?: string;
}

/** How a resubscribe went for one stream (the gateway's recovery). */
export interface RecoveryResult {
  readonly stream: string;
  /** Every missed message was (or is being) replayed, in order, none twice. */
  readonly recovered: boolean;
  readonly replayed?: number;
  /** Why it could not be filled; the latest state follows, drop what you hold for the stream. */
  readonly reason?: string;
}

/**
 * `connecting` before the first connection; `connected`; `degraded` while a lost connection is
 * being re-established; `error` when the gateway cannot be reached or refuses (still retrying);
 * `closed` after `close()`.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'degraded' | 'error' | 'closed';

export type TransportKind = 'websocket' | 'sse';

export interface GatewayError {
  readonly code: number;
  readonly msg: string;
}

/** A parsed text frame of `/ws` (or an SSE event's data). */
export type GatewayFrame =
  | { readonly kind: 'data'; readonly message: StreamMessage }
  | {
      readonly kind: 'reply';
      readonly id: number | string | null;
      readonly result?: unknown;
      readonly error?: GatewayError;
    }
  | { readonly kind: 'other' };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Tell a frame apart; a frame that is not JSON or of no known shape is `other`. */
export function parseFrame(text: string): GatewayFrame {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'other' };
  }
  if (!isRecord(v)) return { kind: 'other' };
  if (typeof v.stream === 'string' && isRecord(v.data) && typeof v.data.type === 'string') {
    return { kind: 'data', message: v as unknown as StreamMessage };
  }
  if ('id' in v && ('result' in v || 'error' in v)) {
    const error = isRecord(v.error) ? { code: Number(v.error.code), msg: String(v.error.msg) } : undefined;
    return { kind: 'reply', id: v.id as number | string | null, result: v.result, error };
  }
  return { kind: 'other' };
}

/** The per-stream results of a SUBSCRIBE reply that carried `since` (`{"streams":{…}}`). */
export function recoveryResults(result: unknown): RecoveryResult[] {
  if (!isRecord(result) || !isRecord(result.streams)) return [];
  const out: RecoveryResult[] = [];
  for (const [stream, r] of Object.entries(result.streams)) {
    if (!isRecord(r)) continue;
    out.push({
      stream,
      recovered: r.recovered === true,
      ...(typeof r.replayed === 'number' && { replayed: r.replayed }),
      ...(typeof r.reason === 'string' && { reason: r.reason }),
    });
  }
  return out;
}
