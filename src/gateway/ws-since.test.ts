import { describe, expect, it } from 'vitest';
import { WsErrorCode, parseControlMessage } from './ws-protocol.js';
import { sinceByKey } from './ws-recovery.js';

describe('SUBSCRIBE with since', () => {
  it('carries the positions of the streams it names', () => {
    const r = parseControlMessage(
      JSON.stringify({
        method: 'subscribe',
        params: ['trade@BTC-USDT', 'depth@eth_usdt'],
        id: 1,
        since: { 'trade@BTC-USDT': { offset: 12, epoch: 'ab12cd34' } },
      }),
      10,
    );
    expect(r).toEqual({
      ok: true,
      request: {
        method: 'SUBSCRIBE',
        params: ['trade@BTC-USDT', 'depth@eth_usdt'],
        id: 1,
        since: { 'trade@BTC-USDT': { offset: 12, epoch: 'ab12cd34' } },
      },
    });
  });

  it('refuses a position that is not {offset, epoch}, naming the field and the shape', () => {
    const bad: [unknown, RegExp][] = [
      [{ offset: 1.5, epoch: 'e' }, /invalid 'since\.trade@BTC\/USDT\.offset'/],
      [{ offset: 1 }, /invalid 'since\.trade@BTC\/USDT\.epoch'/],
      [{ offset: 1, epoch: '' }, /invalid 'since\.trade@BTC\/USDT\.epoch'/],
      [12, /invalid 'since\.trade@BTC\/USDT'/],
    ];
    for (const [position, why] of bad) {
      const r = parseControlMessage(
        JSON.stringify({
          method: 'SUBSCRIBE',
          params: ['trade@BTC/USDT'],
          id: 2,
          since: { 'trade@BTC/USDT': position },
        }),
        10,
      );
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r).toMatchObject({ code: WsErrorCode.InvalidRequest, id: 2 });
        expect(r.msg).toMatch(why);
        expect(r.msg).toMatch(/"since":\{"trade@BTC\/USDT":\{"offset":12,"epoch":"ab12cd34"\}\}/);
      }
    }
  });

  it('keys positions as subscriptions are keyed: canonical market, alias type kept', () => {
    const m = sinceByKey({
      'trade@btc-usdt': { offset: 1, epoch: 'e' },
      'depth@Binance:ETH_USDT': { offset: 2, epoch: 'e' },
    });
    expect([...m]).toEqual([
      ['trade@BTC/USDT', { offset: 1, epoch: 'e' }],
      ['depth@binance:ETH/USDT', { offset: 2, epoch: 'e' }],
    ]);
  });
});
