import { z } from 'zod';
import type { StreamPosition } from '../bus/bus.js';

/**
 * The `/ws` control protocol. Client → server:
 * `{"method":"SUBSCRIBE"|"UNSUBSCRIBE","params":["trade@BTC/USDT"],"id":1}` and
 * `{"method":"LIST_SUBSCRIPTIONS","id":2}`. Server → client: `{"result":null,"id":1}`,
 * `{"result":["trade@BTC/USDT"],"id":2}`, `{"error":{"code":3,"msg":"…"},"id":1}` and data frames
 * `{"stream":"trade@BTC/USDT","data":{…},"offset":12,"epoch":"ab12cd34"}`. A SUBSCRIBE may carry
 * `"since":{"trade@BTC/USDT":{"offset":12,"epoch":"ab12cd34"}}` to recover what was missed
 * (src/gateway/ws-recovery.ts).
 */
export enum WsErrorCode {
  /** The message is not valid JSON. */
  InvalidJson = 1,
  /** Valid JSON but not a valid request: wrong shape, unknown method, binary frame. */
  InvalidRequest = 2,
  /** A stream name in `params` is malformed or unknown, or nothing ingested feeds it. */
  InvalidStream = 3,
  /** The subscription would exceed the per-connection limit. */
  TooManySubscriptions = 4,
  /** Messages arrive faster than the inbound rate limit. */
  RateLimited = 5,
  /** The message is larger than the accepted size. */
  MessageTooLarge = 6,
}

export const WS_METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS'] as const;
export type WsMethod = (typeof WS_METHODS)[number];
export type RequestId = number | string | null;

export interface ControlRequest {
  readonly method: WsMethod;
  /** Empty for LIST_SUBSCRIPTIONS. */
  readonly params: readonly string[];
  readonly id: RequestId;
  /**
   * SUBSCRIBE only: the client's last position per stream (keys spelled as in `params`), to
   * recover what it missed (src/gateway/recovery.ts).
   */
  readonly since?: Readonly<Record<string, StreamPosition>>;
}

export interface ControlError {
  readonly ok: false;
  readonly code: WsErrorCode;
  readonly msg: string;
  readonly id: RequestId;
}

export type ControlParseResult = { readonly ok: true; readonly request: ControlRequest } | ControlError;

const EXAMPLE = `send e.g. {"method":"SUBSCRIBE","params":["trade@BTC/USDT"],"id":1}`;
const MAX_ID_LENGTH = 64;

const idSchema = z.union([z.number().int().safe(), z.string().max(MAX_ID_LENGTH), z.null()]);
const positionSchema = z.object({
  offset: z.number().int().min(0).safe(),
  epoch: z.string().min(1).max(64),
});
const requestSchema = z.object({
  method: z.string().max(32),
  params: z.array(z.string()).optional(),
  id: idSchema.optional(),
  since: z.record(z.string().max(64), positionSchema).optional(),
});
const SINCE_EXAMPLE = `e.g. "since":{"trade@BTC/USDT":{"offset":12,"epoch":"ab12cd34"}} with the offset and epoch of the last message received`;

/** Parse and validate one control message; the error says what was wrong and how to fix it. */
export function parseControlMessage(text: string, maxParams: number): ControlParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      code: WsErrorCode.InvalidJson,
      msg: `invalid JSON (${detail}); ${EXAMPLE}`,
      id: null,
    };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      code: WsErrorCode.InvalidRequest,
      msg: `request must be a JSON object, got ${describe(raw)}; ${EXAMPLE}`,
      id: null,
    };
  }
  const parsedId = idSchema.safeParse((raw as { id?: unknown }).id);
  const id: RequestId = parsedId.success ? parsedId.data : null;
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.length === 0 ? 'request' : `'${issue.path.map(String).join('.')}'`;
    return {
      ok: false,
      code: WsErrorCode.InvalidRequest,
      msg:
        issue.path[0] === 'since'
          ? `invalid ${path}: ${issue.message}; ${SINCE_EXAMPLE}`
          : `invalid ${path}: ${issue.message}; ${EXAMPLE} (id: integer, string or null)`,
      id,
    };
  }
  const method = parsed.data.method.toUpperCase();
  if (method === 'LIST_SUBSCRIPTIONS') {
    return { ok: true, request: { method, params: [], id } };
  }
  if (method !== 'SUBSCRIBE' && method !== 'UNSUBSCRIBE') {
    return {
      ok: false,
      code: WsErrorCode.InvalidRequest,
      msg: `unknown method '${parsed.data.method}': use ${WS_METHODS.join(', ')}`,
      id,
    };
  }
  const params = parsed.data.params;
  if (params === undefined || params.length === 0) {
    return {
      ok: false,
      code: WsErrorCode.InvalidRequest,
      msg: `${method} needs a non-empty 'params' array of stream names; ${EXAMPLE}`,
      id,
    };
  }
  if (params.length > maxParams) {
    return {
      ok: false,
      code: WsErrorCode.TooManySubscriptions,
      msg: `too many subscriptions: ${method} lists ${params.length} streams, over the limit of ${maxParams} per connection`,
      id,
    };
  }
  const since = parsed.data.since;
  if (since !== undefined) {
    if (method !== 'SUBSCRIBE') {
      return {
        ok: false,
        code: WsErrorCode.InvalidRequest,
        msg: `'since' is only for SUBSCRIBE; send ${method} without it`,
        id,
      };
    }
    const stray = Object.keys(since).find((k) => !params.includes(k));
    if (stray !== undefined) {
      return {
        ok: false,
        code: WsErrorCode.InvalidRequest,
        msg: `'since' names '${stray}', which is not in 'params'; spell each stream in 'since' as in 'params'`,
        id,
      };
    }
    return { ok: true, request: { method, params, id, since } };
  }
  return { ok: true, request: { method, params, id } };
}

/**
 * The error for a message over the soft size limit, which is never executed: one that is big
 * because it lists more streams than a connection may hold gets that error (code 4), any other
 * code 6; both carry the request's id when it can be read.
 */
export function oversizedMessageError(
  text: string,
  bytes: number,
  maxBytes: number,
  maxParams: number,
): ControlError {
  const parsed = parseControlMessage(text, maxParams);
  if (!parsed.ok && parsed.code === WsErrorCode.TooManySubscriptions) return parsed;
  return {
    ok: false,
    code: WsErrorCode.MessageTooLarge,
    msg: `message of ${bytes} bytes is over the limit of ${maxBytes}; split it into several requests`,
    id: parsed.ok ? parsed.request.id : parsed.id,
  };
}

/** `{"result":…,"id":…}`. */
export function resultReply(result: readonly string[] | object | null, id: RequestId): string {
  return JSON.stringify({ result, id });
}

/** `{"error":{"code":…,"msg":…},"id":…}`. */
export function errorReply(code: WsErrorCode, msg: string, id: RequestId): string {
  return JSON.stringify({ error: { code, msg }, id });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Inbound rate limit: `ratePerSec` tokens a second, up to `burst` saved. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    const elapsed = t - this.last;
    this.last = t;
    if (elapsed > 0) this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSec) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
