import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../core/types.js';
import { captureLogs } from '../../test-support/log-capture.js';
import { ManualSchedule } from '../../test-support/manual-schedule.js';
import { DemandSubscriptions } from './demand.js';
import { SubscriptionManager, type SubscriptionTarget } from './manager.js';
import { catalogOf, type SymbolWant } from './wants.js';

function setup(graceMs = 30_000) {
  const clock = new ManualSchedule();
  const changes: SymbolWant[][] = [];
  const demand = new DemandSubscriptions({
    graceMs,
    schedule: clock.schedule,
    onChange: (wants) => changes.push([...wants]),
  });
  return { clock, changes, demand };
}

const keys = (wants: readonly SymbolWant[]): string[] =>
  wants.map((w) => `${w.exchange ?? '*'}|${w.symbol}`).sort();

describe('DemandSubscriptions', () => {
  it('wants a symbol from its first stream and releases it a grace period after its last', () => {
    const { clock, changes, demand } = setup();
    demand.demanded('ETH/USDT', undefined);
    demand.demanded('ETH/USDT', undefined); // book@ETH/USDT beside trade@ETH/USDT
    expect(changes.map(keys)).toEqual([['*|ETH/USDT']]);
    demand.released('ETH/USDT', undefined);
    clock.advance(60_000);
    expect(changes).toHaveLength(1); // one stream still has a subscriber
    demand.released('ETH/USDT', undefined);
    clock.advance(29_999);
    expect(keys(demand.wants())).toEqual(['*|ETH/USDT']);
    clock.advance(1);
    expect(changes.map(keys)).toEqual([['*|ETH/USDT'], []]);
    expect(clock.pending).toBe(0);
  });

  it('keeps the symbol without any change when it is asked for again within the grace period', () => {
    const { clock, changes, demand } = setup();
    demand.demanded('BTC/USDT', 'binance');
    demand.released('BTC/USDT', 'binance');
    clock.advance(10_000);
    demand.demanded('BTC/USDT', 'binance');
    expect(clock.pending).toBe(0); // the release was cancelled
    clock.advance(100_000);
    expect(changes.map(keys)).toEqual([['binance|BTC/USDT']]);
  });

  it('tracks an exchange stream and the aggregated stream of a symbol apart', () => {
    const { clock, changes, demand } = setup(1000);
    demand.demanded('BTC/USDT', 'okx');
    demand.demanded('BTC/USDT', undefined);
    demand.released('BTC/USDT', undefined);
    clock.advance(1000);
    expect(changes.map(keys)).toEqual([['okx|BTC/USDT'], ['*|BTC/USDT', 'okx|BTC/USDT'], ['okx|BTC/USDT']]);
  });

  it('releases at once with a zero grace period, and ignores a release it never heard demanded', () => {
    const { changes, demand } = setup(0);
    demand.released('XRP/USDT', undefined);
    demand.demanded('XRP/USDT', undefined);
    demand.released('XRP/USDT', undefined);
    demand.released('XRP/USDT', undefined);
    expect(changes.map(keys)).toEqual([['*|XRP/USDT'], []]);
  });

  it('close() cancels every pending release and ignores later calls', () => {
    const { clock, changes, demand } = setup();
    demand.demanded('BTC/USDT', undefined);
    demand.demanded('ETH/USDT', undefined);
    demand.released('BTC/USDT', undefined);
    demand.released('ETH/USDT', undefined);
    expect(clock.pending).toBe(2);
    demand.close();
    expect(clock.pending).toBe(0);
    demand.demanded('SOL/USDT', undefined);
    expect(changes).toHaveLength(2);
  });

  it('through the manager, a feed is unsubscribed only after the grace period, and never a static symbol', () => {
    const clock = new ManualSchedule();
    const calls: string[] = [];
    const target: SubscriptionTarget = {
      subscribe: (s) => calls.push('+' + s.join(',')),
      unsubscribe: (s) => calls.push('-' + s.join(',')),
    };
    const manager = new SubscriptionManager({
      targets: new Map<Exchange, SubscriptionTarget>([['binance', target]]),
      catalog: catalogOf(new Map<Exchange, string[]>([['binance', ['BTC/USDT', 'ETH/USDT']]])),
      logger: captureLogs('info').logger,
    });
    manager.set('static', [{ symbol: 'BTC/USDT', exchange: 'binance' }]);
    const demand = new DemandSubscriptions({
      graceMs: 5000,
      schedule: clock.schedule,
      onChange: (w) => manager.set('demand', w),
    });
    demand.demanded('BTC/USDT', undefined);
    demand.demanded('ETH/USDT', undefined);
    demand.released('BTC/USDT', undefined);
    demand.released('ETH/USDT', undefined);
    clock.advance(4999);
    expect(calls).toEqual(['+BTC/USDT', '+ETH/USDT']);
    clock.advance(1);
    expect(calls).toEqual(['+BTC/USDT', '+ETH/USDT', '-ETH/USDT']);
    expect(manager.subscribed('binance')).toEqual(['BTC/USDT']);
  });
});
