/**
 * Alpaca's side of the hub's fault injection (src/replay/fault-tap.ts): fan-out channels are
 * `<encoding>|<scope>|<type>|<symbol>` (channels.ts), `*` for every symbol. Alpaca's stock stream
 * has no sequence numbers and no checksums, so `gap` and `checksum` are refused for it (a skipped
 * trade would be invisible to any client). Its policy close is 1008 after the error message
 * (406 "connection limit exceeded", as when a key opens one connection too many); its REST rate
 * limit answer is HTTP 429 `{"code":42910000,"message":"rate limit exceeded"}`.
 */
import type { VenueFaultHooks } from '../../replay/fault-tap.js';
import { errorFrame, type AlpacaSessionState } from './hub.js';
import { ALPACA_ERRORS } from './hub-requests.js';

export const ALPACA_FAULT_HOOKS: VenueFaultHooks<AlpacaSessionState> = {
  channelSymbol(channel) {
    const bar = channel.lastIndexOf('|');
    return bar < 0 || bar === channel.length - 1 ? undefined : channel.slice(bar + 1);
  },
  policyClose: (s) => ({
    code: 1008,
    reason: ALPACA_ERRORS.connectionLimit.msg,
    frame: errorFrame(s, ALPACA_ERRORS.connectionLimit),
  }),
  tooManyRequestsBody: { code: 42910000, message: 'rate limit exceeded' },
};
