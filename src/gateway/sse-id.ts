/**
 * The SSE event id: the position of every stream of the connection, so that the one
 * `Last-Event-ID` a browser sends back on reconnect resumes all of them. Shape:
 * `<fingerprint>/<epoch>:<offset>,<offset>,…` — one entry per stream in the connection's order;
 * an entry without `epoch:` has the epoch of the entry before it (one bus, one epoch: written
 * once). The fingerprint (FNV-1a of the stream list, base 36) tells an id of another stream set
 * from this one. Epochs are percent-encoded, so any epoch fits.
 */
import type { StreamPosition } from '../bus/bus.js';

export type EventIdDecode =
  | { readonly ok: true; readonly positions: readonly StreamPosition[] }
  | { readonly ok: false; readonly error: string };

/** Ids longer than this are not read (browsers send back what we wrote; anything longer is not ours). */
export const MAX_EVENT_ID_LENGTH = 4096;

/** Fingerprint of a connection's stream list. */
export function streamsFingerprint(streams: readonly string[]): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < streams.length; i++) {
    const s = i === 0 ? streams[i] : '\n' + streams[i];
    for (let j = 0; j < s.length; j++) {
      h ^= s.charCodeAt(j);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(36);
}

/** The last epoch encoded: ids are written per event per connection, epochs change rarely. */
let lastEpoch = '';
let lastEncoded = '';

function encodeEpoch(epoch: string): string {
  if (epoch !== lastEpoch) {
    lastEpoch = epoch;
    lastEncoded = encodeURIComponent(epoch);
  }
  return lastEncoded;
}

export function encodeEventId(fingerprint: string, positions: readonly StreamPosition[]): string {
  let out = fingerprint + '/';
  let epoch: string | undefined;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    if (i > 0) out += ',';
    if (p.epoch !== epoch) {
      epoch = p.epoch;
      out += encodeEpoch(epoch) + ':';
    }
    out += p.offset;
  }
  return out;
}

const OFFSET = /^(0|[1-9][0-9]{0,15})$/;

/** Read an id written by {@link encodeEventId} for the same stream list; the error says why not. */
export function decodeEventId(id: string, fingerprint: string, count: number): EventIdDecode {
  if (id.length > MAX_EVENT_ID_LENGTH) {
    return {
      ok: false,
      error: `Last-Event-ID is ${id.length} characters, longer than any this server writes`,
    };
  }
  const slash = id.indexOf('/');
  if (slash === -1) return { ok: false, error: `Last-Event-ID '${clip(id)}' is not an id this server wrote` };
  if (id.slice(0, slash) !== fingerprint) {
    return { ok: false, error: 'Last-Event-ID belongs to another set of streams (pairs/streams changed)' };
  }
  const entries = id.slice(slash + 1).split(',');
  if (entries.length !== count) {
    return { ok: false, error: `Last-Event-ID has ${entries.length} positions for ${count} streams` };
  }
  const positions: StreamPosition[] = [];
  let epoch: string | undefined;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const colon = e.lastIndexOf(':');
    if (colon !== -1) {
      try {
        epoch = decodeURIComponent(e.slice(0, colon));
      } catch {
        return { ok: false, error: `Last-Event-ID entry ${i + 1} has a malformed epoch` };
      }
    }
    const offset = colon === -1 ? e : e.slice(colon + 1);
    if (
      epoch === undefined ||
      epoch === '' ||
      !OFFSET.test(offset) ||
      !Number.isSafeInteger(Number(offset))
    ) {
      return { ok: false, error: `Last-Event-ID entry ${i + 1} ('${clip(e)}') is not <epoch>:<offset>` };
    }
    positions.push({ offset: Number(offset), epoch });
  }
  return { ok: true, positions };
}

function clip(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + '…' : s;
}
