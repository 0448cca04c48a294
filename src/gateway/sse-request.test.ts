import { describe, expect, it } from 'vitest';
import { parseSseRequest } from './sse-request.js';

const q = (s: string): URLSearchParams => new URLSearchParams(s);

describe('parseSseRequest', () => {
  it('maps pairs to their price topics and streams to their bus topics, in order, once each', () => {
    const r = parseSseRequest(
      q('pairs=btc-usdt,ETH/USDT&pairs=BTC_USDT&streams=depth@BTC-USDT,ticker@eth/usdt'),
      10,
    );
    expect(r).toEqual({
      ok: true,
      streams: [
        { kind: 'price', topic: 'price:BTC/USDT', name: 'BTC/USDT', stateful: true },
        { kind: 'price', topic: 'price:ETH/USDT', name: 'ETH/USDT', stateful: true },
        { kind: 'stream', topic: 'book_change@BTC/USDT', name: 'depth@BTC/USDT', stateful: false },
        { kind: 'stream', topic: 'ticker@ETH/USDT', name: 'ticker@ETH/USDT', stateful: true },
      ],
    });
  });

  it('names the bad part and the limit', () => {
    const none = parseSseRequest(q('pair=BTC/USDT'), 10);
    expect(none.ok === false && none.error).toMatch(/name what to stream with 'pairs' or 'streams'/);
    const badPair = parseSseRequest(q('pairs=BTC/USDT,!!'), 10);
    expect(badPair.ok === false && badPair.error).toMatch(/^pairs: /);
    const badStream = parseSseRequest(q('streams=trades@BTC/USDT'), 10);
    expect(badStream.ok === false && badStream.error).toMatch(/^streams: unknown stream type 'trades'/);
    const many = parseSseRequest(q('pairs=A/B,C/D&streams=trade@A/B'), 2);
    expect(many.ok === false && many.error).toMatch(/3 pairs and streams asked, over the limit of 2/);
  });

  it('refuses a stream nothing ingests when the sources are known', () => {
    const r = parseSseRequest(q('streams=trade@okx:BTC/USDT'), 10, {
      exchanges: ['binance'],
      symbols: ['BTC/USDT'],
    });
    expect(r.ok === false && r.error).toMatch(/^streams: stream 'trade@okx:BTC\/USDT' has no source/);
    const pair = parseSseRequest(q('pairs=BTC/USDT,DOGE/USDT'), 10, {
      exchanges: ['binance'],
      symbols: ['BTC/USDT'],
    });
    expect(pair.ok === false && pair.error).toMatch(
      /^pairs: stream 'DOGE\/USDT' has no source: this gateway ingests BTC\/USDT, not DOGE\/USDT/,
    );
  });
});
