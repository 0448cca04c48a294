/**
 * The Binance stream control protocol, server side: parse a client's request and build the
 * replies, with the exchange's own error codes and messages (shared/protocols/EXCHANGES.md
 * §1.3).
 *
 * Error replies follow the real server, which deserializes requests with serde:
 * - failures while *deserializing* the request (bad JSON, bad `method`, bad `id`, bad params)
 *   carry no `id` (the request was never understood): `{"error":{"code":2,"msg":…}}`;
 * - failures *after* it was understood carry it: `{"error":{"code":0,"msg":"Unknown property"},"id":5}`.
 * Fields are checked in the order they appear in the request, as serde visits them.
 *
 * Hub choices where Binance documents nothing (kept in code 2, "Invalid request: …"):
 * - a stream name that is not `<symbol>@<documented type>` (or a documented `!…@arr` stream)
 *   is refused: `Invalid request: invalid stream name \`x\`` (with `id`); a well-formed name
 *   the replay cannot serve is refused by the endpoint (stream-catalog.ts), never left silent;
 * - ids: a signed 64-bit integer, null, or a string of ≤ 36 letters, digits and `-` (UUIDs);
 *   integers are echoed with the digits sent (`-9223372036854775808`, not a rounded double).
 *   The docs list "64-bit signed integer" among the accepted ids, yet name the reply to a bad
 *   or missing id "request ID must be an unsigned integer": negative ids are accepted and that
 *   message is kept word for word for every refused id, as the exchange sends it.
 */
import { findJsonError, layoutOf, positionOf, rawIdOf } from './hub-json.js';

/**
 * A request id as JSON text, ready to echo: an integer exactly as sent (`9007199254740993`),
 * a string re-serialized (`"a1"`), or `null`.
 */
export type ControlId = string & { readonly __controlId: never };

export type ControlRequest =
  | {
      readonly method: 'SUBSCRIBE' | 'UNSUBSCRIBE';
      readonly id: ControlId;
      readonly streams: readonly string[];
    }
  | { readonly method: 'LIST_SUBSCRIPTIONS'; readonly id: ControlId }
  | {
      readonly method: 'SET_PROPERTY';
      readonly id: ControlId;
      readonly property: 'combined';
      readonly value: boolean;
    }
  | { readonly method: 'GET_PROPERTY'; readonly id: ControlId; readonly property: 'combined' };

/** A parsed request, or the error reply (serialized) to send instead. */
export type ControlParse =
  { readonly ok: true; readonly request: ControlRequest } | { readonly ok: false; readonly reply: string };

/** Binance's control error codes. */
export const ControlErrorCode = {
  UnknownProperty: 0,
  InvalidValueType: 1,
  InvalidRequest: 2,
  InvalidJson: 3,
} as const;
export type ControlErrorCode = (typeof ControlErrorCode)[keyof typeof ControlErrorCode];

/** Streams one connection may hold. */
export const MAX_STREAMS_PER_CONNECTION = 1024;

const METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'LIST_SUBSCRIPTIONS', 'SET_PROPERTY', 'GET_PROPERTY'] as const;
type Method = (typeof METHODS)[number];
const EXPECTED_METHODS = METHODS.map((m) => `\`${m}\``).join(', ');
const BAD_ID = 'request ID must be an unsigned integer';

const ID_STRING = /^[A-Za-z0-9-]{0,36}$/;
/** A JSON integer literal; `-0` is excluded because serde_json reads it as a float. */
const ID_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const NULL_ID = 'null' as ControlId;

const SYMBOL_STREAM =
  /^[A-Za-z0-9]+@(?:trade|aggTrade|bookTicker|ticker|miniTicker|avgPrice|referencePrice|blockTrade|depth(?:5|10|20)?(?:@(?:100|1000)ms)?|kline_(?:1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M)(?:@\+08:00)?|ticker_(?:1h|4h|1d))$/;
const MARKET_STREAM = /^!(?:ticker|miniTicker|ticker_(?:1h|4h|1d))@arr$|^!bookTicker$/;

/** True for `<symbol>@<type>` with a type Binance documents, and the documented `!…` streams. */
export function isWellFormedStreamName(name: string): boolean {
  return SYMBOL_STREAM.test(name) || MARKET_STREAM.test(name);
}

// ---- replies

export function resultReply(result: unknown, id: ControlId): string {
  return `{"result":${JSON.stringify(result)},"id":${id}}`;
}

/** `{"error":{"code":…,"msg":…},"id":…}`; without `id` when the request was not understood. */
export function errorReply(code: ControlErrorCode, msg: string, id?: ControlId): string {
  const error = JSON.stringify({ code, msg });
  return id === undefined ? `{"error":${error}}` : `{"error":${error},"id":${id}}`;
}

function invalid(msg: string, id?: ControlId): ControlParse {
  return { ok: false, reply: errorReply(ControlErrorCode.InvalidRequest, `Invalid request: ${msg}`, id) };
}

/** serde's description of an unexpected value (`integer \`5\``, `string "x"`, `map`, …). */
function describe(v: unknown): string {
  if (v === null) return 'unit value';
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return 'sequence';
  return 'map';
}

/** The id to echo, or undefined when Binance refuses it. `raw` is the whole request, for an integer's digits. */
function idOf(raw: Buffer, v: unknown): ControlId | undefined {
  if (v === null) return NULL_ID;
  if (typeof v === 'string') return ID_STRING.test(v) ? (JSON.stringify(v) as ControlId) : undefined;
  if (typeof v !== 'number') return undefined;
  // A key spelled with escapes (`"\u0069d"`) is not found by the scanner; its value is exact if safe.
  const text = rawIdOf(raw) ?? (Number.isSafeInteger(v) ? String(v) : '');
  if (!ID_INTEGER.test(text)) return undefined;
  const n = BigInt(text);
  return n >= INT64_MIN && n <= INT64_MAX ? (text as ControlId) : undefined;
}

function unknownVariant(raw: Buffer, method: unknown): ControlParse {
  const variant = typeof method === 'string' ? method : JSON.stringify(method);
  const { line, column } = positionOf(raw, layoutOf(raw).methodValueEnd);
  return invalid(
    `unknown variant \`${variant}\`, expected one of ${EXPECTED_METHODS} at line ${line} column ${column}`,
  );
}

// ---- parsing

/** Parse one text frame from a client into a request or the error reply Binance would send. */
export function parseControl(raw: Buffer): ControlParse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    const e = findJsonError(raw) ?? { message: 'expected value', ...positionOf(raw, raw.length) };
    return {
      ok: false,
      reply: errorReply(
        ControlErrorCode.InvalidJson,
        `Invalid JSON: ${e.message} at line ${e.line} column ${e.column}`,
      ),
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return invalid(`invalid type: ${describe(parsed)}, expected struct Request at line 1 column 1`);
  }
  const obj = parsed as Record<string, unknown>;

  // Struct fields in the order they appear, as serde visits them.
  let method: Method | undefined;
  let id: ControlId | undefined;
  for (const key in obj) {
    if (key === 'method') {
      const m = obj.method;
      if (typeof m !== 'string' || !(METHODS as readonly string[]).includes(m)) return unknownVariant(raw, m);
      method = m as Method;
    } else if (key === 'id') {
      id = idOf(raw, obj.id);
      if (id === undefined) return invalid(BAD_ID);
    }
  }
  if (method === undefined) {
    const { line, column } = positionOf(raw, layoutOf(raw).objectEnd);
    return invalid(`missing field method at line ${line} column ${column}`);
  }
  if (id === undefined) return invalid(BAD_ID);

  const rawParams = obj.params;
  if (rawParams !== undefined && rawParams !== null && !Array.isArray(rawParams)) {
    return invalid(`invalid type: ${describe(rawParams)}, expected a sequence`);
  }
  const params: readonly unknown[] = Array.isArray(rawParams) ? rawParams : [];

  switch (method) {
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      return parseStreams(method, params, id);
    case 'LIST_SUBSCRIPTIONS':
      if (params.length > 0) return invalid('too many parameters');
      return { ok: true, request: { method, id } };
    case 'SET_PROPERTY':
    case 'GET_PROPERTY':
      return parseProperty(method, params, id);
  }
}

function parseStreams(
  method: 'SUBSCRIBE' | 'UNSUBSCRIBE',
  params: readonly unknown[],
  id: ControlId,
): ControlParse {
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p !== 'string') return invalid(`invalid type: ${describe(p)}, expected a string`);
    if (!isWellFormedStreamName(p)) return invalid(`invalid stream name \`${p}\``, id);
  }
  return { ok: true, request: { method, id, streams: params as readonly string[] } };
}

function parseProperty(
  method: 'SET_PROPERTY' | 'GET_PROPERTY',
  params: readonly unknown[],
  id: ControlId,
): ControlParse {
  const name = params[0];
  if (typeof name !== 'string') return invalid('property name must be a string');
  if (method === 'SET_PROPERTY') {
    const value = params[1];
    if (typeof value !== 'boolean') {
      return {
        ok: false,
        reply: errorReply(ControlErrorCode.InvalidValueType, 'Invalid value type: expected Boolean'),
      };
    }
    if (params.length > 2) return invalid('too many parameters');
    if (name !== 'combined')
      return { ok: false, reply: errorReply(ControlErrorCode.UnknownProperty, 'Unknown property', id) };
    return { ok: true, request: { method, id, property: 'combined', value } };
  }
  if (params.length > 1) return invalid('too many parameters');
  if (name !== 'combined')
    return { ok: false, reply: errorReply(ControlErrorCode.UnknownProperty, 'Unknown property', id) };
  return { ok: true, request: { method, id, property: 'combined' } };
}
