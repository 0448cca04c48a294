/**
 * Binance's side of the hub's fault injection (src/replay/fault-tap.ts): stream names carry the
 * symbol in lower case before the first `@` (`btcusdt@depth@100ms`; `!…` streams are
 * all-market); a `gap` skips one diff-depth event (`U` of the next one is then past the last
 * `u` + 1, which a client following Binance's book recipe must treat as a gap); Binance sends no
 * checksum; its policy close is 1008 "Too many requests" (what its 5 messages/s limit does), and
 * its REST rate limit answer is HTTP 429 with error -1003.
 */
import type { VenueFaultHooks } from '../../replay/fault-tap.js';

/** `@depth`, `@depth@100ms`, `@depth@1000ms`: the diff streams (`@depth5` etc. are partial books). */
const DIFF_DEPTH = /@depth(@\d+ms)?$/;

export const BINANCE_FAULT_HOOKS: VenueFaultHooks<null> = {
  channelSymbol(channel) {
    if (channel.startsWith('!')) return '*';
    const at = channel.indexOf('@');
    return at <= 0 ? undefined : channel.slice(0, at).toUpperCase();
  },
  bookUpdate: (channel) => DIFF_DEPTH.test(channel),
  policyClose: () => ({ code: 1008, reason: 'Too many requests' }),
  tooManyRequestsBody: {
    code: -1003,
    msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.',
  },
};
