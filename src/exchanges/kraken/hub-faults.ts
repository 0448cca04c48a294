/**
 * Kraken's side of the hub's fault injection (src/replay/fault-tap.ts): fan-out channels are
 * `<channel>:<symbol>[:<option>]` (channels.ts); a `gap` skips one book `update`, so the client's
 * next CRC32 of its top 10 no longer matches the `checksum` Kraken sends; `checksum` rewrites the
 * next book message's checksum to another value. Kraken documents no policy close code for v2;
 * the hub uses 1008 "Too many requests". Its REST rate-limit error is `EGeneral:Too many
 * requests` in the `error` array, answered here with HTTP 429.
 */
import type { VenueFaultHooks } from '../../replay/fault-tap.js';
import type { KrakenSessionState } from './hub.js';

const CHECKSUM = /"checksum":(\d+)/;

export const KRAKEN_FAULT_HOOKS: VenueFaultHooks<KrakenSessionState> = {
  channelSymbol(channel) {
    const parts = channel.split(':');
    return parts.length < 2 || parts[1] === '' ? undefined : parts[1];
  },
  bookUpdate: (channel, payload) => channel.startsWith('book:') && payload.includes('"type":"update"'),
  corruptChecksum(channel, payload) {
    if (!channel.startsWith('book:')) return undefined;
    const text = payload.toString('utf8');
    const m = CHECKSUM.exec(text);
    if (m === null) return undefined;
    const wrong = (Number(m[1]) + 1) % 2 ** 32;
    return Buffer.from(text.replace(CHECKSUM, `"checksum":${wrong}`));
  },
  policyClose: () => ({ code: 1008, reason: 'Too many requests' }),
  tooManyRequestsBody: { error: ['EGeneral:Too many requests'] },
};
