/**
 * v5 client requests as the OKX hub reads them, pure: `{"op":"subscribe"|"unsubscribe",
 * "args":[{channel, instId}…], "id"?}`. A frame that cannot be read as one request (not JSON, not
 * an object, another op, args not a non-empty list, a bad id, over 64 KB) is one error; each arg
 * is then checked on its own and gets its own ack or error.
 *
 * Codes and texts [doc: the v5 WebSocket error-code table]: 60012 "Invalid request: <the frame>",
 * 60013 "Invalid args", 60014 "Requests too frequent.", 60018 "Wrong URL or channel:…,instId:…
 * doesn't exist. …" (its full wording as OKX sends it [third-party captures]). Which code OKX
 * gives a missing instId is [unconfirmed] (60013 here); an unknown op is 60012 here (OKX also
 * documents 60019 "Invalid op" [unconfirmed which one it sends]); the 64 KB request limit is
 * documented [doc: "the total length of multiple channels cannot exceed 64 KB"], the answer to
 * a longer frame is [unconfirmed] (60012, the frame's start quoted, connection kept).
 */
import { serviceOfChannel, type OkxService } from './channels.js';
import type { OkxArg, OkxChannel } from './wire.js';

/** Largest request OKX accepts [doc]. */
export const OKX_MAX_REQUEST_BYTES = 64 * 1024;
/** How much of an oversized frame an error quotes. */
const QUOTED_CHARS = 200;
/** An `id`: 1–32 letters and digits [doc]. */
const ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;

export const OKX_HUB_ERRORS = {
  invalidRequest: (text: string) => ({ code: '60012', msg: `Invalid request: ${text}` }),
  invalidArgs: { code: '60013', msg: 'Invalid args' },
  tooFrequent: { code: '60014', msg: 'Requests too frequent.' },
  noSuchChannel: (channel: string, instId: string) => ({
    code: '60018',
    msg: `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`,
  }),
} as const;

export interface OkxHubError {
  readonly code: string;
  readonly msg: string;
}

export interface OkxHubRequest {
  readonly op: 'subscribe' | 'unsubscribe';
  readonly id: string | undefined;
  /** As sent, each still to be checked with {@link checkArg}. */
  readonly args: readonly unknown[];
}

export type ParsedOkxRequest =
  | { readonly ok: true; readonly request: OkxHubRequest }
  | { readonly ok: false; readonly error: OkxHubError; readonly id: string | undefined };

type Fields = Record<string, unknown>;

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read one frame (binary frames as UTF-8 text). */
export function parseOkxRequest(data: Buffer): ParsedOkxRequest {
  if (data.length > OKX_MAX_REQUEST_BYTES) {
    const start = data.subarray(0, QUOTED_CHARS).toString('utf8');
    const text = `${start}… (${data.length} bytes; a request may be at most ${OKX_MAX_REQUEST_BYTES} bytes)`;
    return invalid(text, undefined);
  }
  const text = data.toString('utf8');
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return invalid(text, undefined);
  }
  if (!isObject(frame)) return invalid(text, undefined);
  const id = typeof frame.id === 'string' && ID_PATTERN.test(frame.id) ? frame.id : undefined;
  if (frame.id !== undefined && id === undefined) return invalid(text, undefined);
  if (frame.op !== 'subscribe' && frame.op !== 'unsubscribe') return invalid(text, id);
  if (!Array.isArray(frame.args) || frame.args.length === 0) return invalid(text, id);
  return { ok: true, request: { op: frame.op, id, args: frame.args } };
}

function invalid(text: string, id: string | undefined): ParsedOkxRequest {
  return { ok: false, error: OKX_HUB_ERRORS.invalidRequest(text), id };
}

/** One arg, checked: the subscription, or the error to answer it with. */
export type CheckedArg =
  | { readonly ok: true; readonly channel: OkxChannel; readonly instId: string }
  | { readonly ok: false; readonly error: OkxHubError };

/**
 * Check one arg on `service`: `served(instId)` tells the instruments the replay serves. A
 * channel of the other service, or one OKX does not have here, or an unknown instId is 60018.
 */
export function checkArg(arg: unknown, service: OkxService, served: (instId: string) => boolean): CheckedArg {
  if (!isObject(arg) || typeof arg.channel !== 'string' || arg.channel === '') {
    return { ok: false, error: OKX_HUB_ERRORS.invalidArgs };
  }
  const channel = arg.channel;
  if (arg.instId === undefined || arg.instId === '') return { ok: false, error: OKX_HUB_ERRORS.invalidArgs };
  if (typeof arg.instId !== 'string') return { ok: false, error: OKX_HUB_ERRORS.invalidArgs };
  const instId = arg.instId;
  if (serviceOfChannel(channel) !== service || !served(instId)) {
    return { ok: false, error: OKX_HUB_ERRORS.noSuchChannel(channel, instId) };
  }
  return { ok: true, channel: channel as OkxChannel, instId };
}

/** The `arg` an ack echoes. */
export function ackArg(channel: OkxChannel, instId: string): OkxArg {
  return { channel, instId };
}
