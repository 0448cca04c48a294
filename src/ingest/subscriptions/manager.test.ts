import { describe, expect, it } from 'vitest';
import type { Exchange } from '../../core/types.js';
import { captureLogs, LOG_LEVEL } from '../../test-support/log-capture.js';
import { SubscriptionManager, type SubscriptionTarget } from './manager.js';
import { catalogOf } from './wants.js';

/** Records every call a feed would get. */
class RecordingTarget implements SubscriptionTarget {
  readonly calls: string[] = [];
  readonly symbols = new Set<string>();
  subscribe(symbols: string[]): void {
    this.calls.push('+' + symbols.join(','));
    for (const s of symbols) this.symbols.add(s);
  }
  unsubscribe(symbols: string[]): void {
    this.calls.push('-' + symbols.join(','));
    for (const s of symbols) this.symbols.delete(s);
  }
}

function setup() {
  const targets = new Map<Exchange, RecordingTarget>([
    ['binance', new RecordingTarget()],
    ['okx', new RecordingTarget()],
    ['kraken', new RecordingTarget()],
  ]);
  const catalog = catalogOf(
    new Map<Exchange, string[]>([
      ['binance', ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']],
      ['okx', ['BTC/USDT', 'ETH/USDT']],
      ['kraken', ['BTC/USD']],
    ]),
  );
  const { logger, lines } = captureLogs('info');
  const manager = new SubscriptionManager({ targets, catalog, logger });
  const t = (e: Exchange): RecordingTarget => targets.get(e)!;
  return { manager, t, lines };
}

describe('SubscriptionManager', () => {
  it('sends each feed only the delta of the union', () => {
    const { manager, t } = setup();
    manager.set('static', [{ symbol: 'BTC/USDT', exchange: 'binance' }]);
    manager.set('demand', [{ symbol: 'ETH/USDT', exchange: 'binance' }]);
    manager.set('demand', [
      { symbol: 'ETH/USDT', exchange: 'binance' },
      { symbol: 'SOL/USDT', exchange: 'binance' },
    ]);
    expect(t('binance').calls).toEqual(['+BTC/USDT', '+ETH/USDT', '+SOL/USDT']);
    manager.set('demand', [{ symbol: 'SOL/USDT', exchange: 'binance' }]);
    expect(t('binance').calls.at(-1)).toBe('-ETH/USDT');
    expect(manager.subscribed('binance').sort()).toEqual(['BTC/USDT', 'SOL/USDT']);
  });

  it('keeps a symbol two sources want until neither does (no churn)', () => {
    const { manager, t } = setup();
    manager.set('static', [{ symbol: 'BTC/USDT', exchange: 'binance' }]);
    manager.set('positions', [{ symbol: 'BTC/USDT' }]);
    manager.set('demand', [{ symbol: 'BTC/USDT', exchange: 'binance' }]);
    expect(manager.sourcesOf('binance', 'BTC/USDT').sort()).toEqual(['demand', 'positions', 'static']);
    manager.set('demand', []);
    manager.set('positions', []);
    // Only okx loses it (positions was its only source); binance still has the static want.
    expect(t('binance').calls).toEqual(['+BTC/USDT']);
    expect(t('okx').calls).toEqual(['+BTC/USDT', '-BTC/USDT']);
    manager.set('static', []);
    expect(t('binance').calls).toEqual(['+BTC/USDT', '-BTC/USDT']);
  });

  it('sends a want without an exchange to every exchange the catalog lists it on', () => {
    const { manager, t } = setup();
    manager.set('positions', [{ symbol: 'ETH/USDT' }, { symbol: 'BTC/USD' }]);
    expect(t('binance').calls).toEqual(['+ETH/USDT']);
    expect(t('okx').calls).toEqual(['+ETH/USDT']);
    expect(t('kraken').calls).toEqual(['+BTC/USD']);
  });

  it('warns once about a want no ingested exchange lists and subscribes nothing for it', () => {
    const { manager, t, lines } = setup();
    manager.set('positions', [{ symbol: 'DOGE/USDT' }, { symbol: 'BTC/USDT', exchange: 'alpaca' }]);
    manager.set('positions', [{ symbol: 'DOGE/USDT' }, { symbol: 'BTC/USDT', exchange: 'alpaca' }]);
    const warned = lines.filter((l) => l.level === LOG_LEVEL.warn);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ source: 'positions', wants: ['*|DOGE/USDT', 'alpaca|BTC/USDT'] });
    expect([...t('binance').calls, ...t('okx').calls, ...t('kraken').calls]).toEqual([]);
  });

  it('subscribes the rest when a feed refuses one symbol, and never unsubscribes the refused one', () => {
    const calls: string[] = [];
    const picky: SubscriptionTarget = {
      subscribe: (symbols) => {
        if (symbols.includes('BAD/ONE')) throw new Error('binance: cannot spell BAD/ONE');
        calls.push('+' + symbols.join(','));
      },
      unsubscribe: (symbols) => void calls.push('-' + symbols.join(',')),
    };
    const { logger, lines } = captureLogs('info');
    const manager = new SubscriptionManager({
      targets: new Map<Exchange, SubscriptionTarget>([['binance', picky]]),
      catalog: catalogOf(new Map<Exchange, string[]>([['binance', ['ETH/USDT', 'BAD/ONE']]])),
      logger,
    });
    manager.set('positions', [{ symbol: 'ETH/USDT' }, { symbol: 'BAD/ONE' }]);
    expect(calls).toEqual(['+ETH/USDT']);
    expect(manager.subscribed('binance')).toEqual(['ETH/USDT']);
    expect(lines.find((l) => l.level === LOG_LEVEL.warn)?.msg).toBe(
      'the binance feed refused BAD/ONE; not subscribed',
    );
    manager.set('positions', []);
    expect(calls).toEqual(['+ETH/USDT', '-ETH/USDT']);
  });

  it('names as primary the first exchange in priority order holding the symbol', () => {
    const { manager } = setup();
    manager.set('demand', [{ symbol: 'ETH/USDT', exchange: 'okx' }]);
    expect(manager.primaryFor('ETH/USDT')).toBe('okx');
    manager.set('positions', [{ symbol: 'ETH/USDT' }]);
    expect(manager.primaryFor('ETH/USDT')).toBe('binance');
    expect(manager.exchangesOf('ETH/USDT')).toEqual(['binance', 'okx']);
    manager.set('positions', []);
    expect(manager.primaryFor('ETH/USDT')).toBe('okx');
    manager.set('demand', []);
    expect(manager.primaryFor('ETH/USDT')).toBeUndefined();
  });

  it('logs each change with its exchange and source', () => {
    const { manager, lines } = setup();
    manager.set('demand', [{ symbol: 'SOL/USDT' }]);
    expect(lines.find((l) => l.msg === 'subscriptions changed')).toMatchObject({
      exchange: 'binance',
      source: 'demand',
      subscribed: ['SOL/USDT'],
      unsubscribed: [],
    });
  });
});
