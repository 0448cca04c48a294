/**
 * OKX's side of the hub's fault injection (src/replay/fault-tap.ts): fan-out channels are
 * `<channel>:<instId>` (channels.ts); a `gap` skips one `books` update that moved `seqId` (the
 * keepalive repeating it is no sequence step), so the next one's `prevSeqId` is not the client's
 * last `seqId`; `checksum` rewrites the next `books` message's CRC32 to another value. OKX's
 * policy close is 1008; its REST rate-limit answer is HTTP 429 with code 50011.
 */
import type { VenueFaultHooks } from '../../replay/fault-tap.js';
import type { OkxSessionState } from './hub.js';

const CHECKSUM = /"checksum":(-?\d+)/;
const SEQ = /"seqId":(-?\d+)/;
const PREV_SEQ = /"prevSeqId":(-?\d+)/;

export const OKX_FAULT_HOOKS: VenueFaultHooks<OkxSessionState> = {
  channelSymbol(channel) {
    const colon = channel.indexOf(':');
    return colon <= 0 || colon === channel.length - 1 ? undefined : channel.slice(colon + 1);
  },
  bookUpdate(channel, payload) {
    if (!channel.startsWith('books:') || !payload.includes('"action":"update"')) return false;
    const text = payload.toString('utf8');
    return SEQ.exec(text)?.[1] !== PREV_SEQ.exec(text)?.[1];
  },
  corruptChecksum(channel, payload) {
    if (!channel.startsWith('books:')) return undefined;
    const text = payload.toString('utf8');
    const m = CHECKSUM.exec(text);
    if (m === null) return undefined;
    // OKX checksums are signed 32-bit: stay inside the range.
    const wrong = (Number(m[1]) + 1) | 0;
    return Buffer.from(text.replace(CHECKSUM, `"checksum":${wrong}`));
  },
  policyClose: () => ({ code: 1008, reason: 'Too many requests' }),
  tooManyRequestsBody: { msg: 'Too Many Requests', code: '50011' },
};
