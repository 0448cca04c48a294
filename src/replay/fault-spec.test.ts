/** `--fault` values and `POST /control/faults` bodies: what is accepted, and the error naming what is not. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../cli/commands.js';
import { specFromBody, specFromFlag } from './fault-spec.js';

describe('specFromFlag', () => {
  it('reads exchange:symbol:fault:params with count or ratePerMin and the fault’s own parameters', () => {
    expect(specFromFlag('binance:BTC/USDT:gap:count=1')).toEqual({
      ok: true,
      spec: { exchange: 'binance', symbol: 'BTC/USDT', fault: 'gap', count: 1 },
    });
    expect(specFromFlag('OKX:BTC-USDT:latency:ratePerMin=6,ms=200')).toEqual({
      ok: true,
      spec: { exchange: 'okx', symbol: 'BTC-USDT', fault: 'latency', ratePerMin: 6, ms: 200 },
    });
    expect(specFromFlag('kraken:XBT/USD:rest429:count=2,retryAfter=30')).toMatchObject({
      ok: true,
      spec: { symbol: 'XBT/USD', retryAfter: 30 },
    });
  });

  it.each([
    ['binance:BTC/USDT:gap', /is not exchange:symbol:fault:params/],
    ['binance:BTC/USDT:boom:count=1', /fault must be one of disconnect, close1008/],
    ['binance:BTC/USDT:gap:count=1,ratePerMin=2', /exactly one of count .* not both/],
    ['binance:BTC/USDT:gap:ms=3', /got neither/],
    ['binance:BTC/USDT:gap:count=0', /count must be a whole number from 1/],
    ['binance:BTC/USDT:gap:count=1.5', /count must be a whole number, got 1.5/],
    ['binance:BTC/USDT:stall:count=1,ms=abc', /ms must be a whole number .* got "abc"/],
    ['binance:BTC/USDT:gap:count=1,depth=3', /"depth=3" is not one of count=N/],
    ['binance:BTC/USDT:disconnect:count=1,retryAfter=3', /retryAfter does not apply to disconnect/],
  ])('%s is refused', (flag, message) => {
    const parsed = specFromFlag(flag);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(message);
  });
});

describe('specFromBody', () => {
  it('takes numbers only where numbers belong', () => {
    const parsed = specFromBody({ exchange: 'okx', symbol: 'BTC-USDT', fault: 'stall', count: '1' });
    expect(parsed).toEqual({ ok: false, error: 'count must be a whole number from 1 to 1000000, got "1"' });
    expect(specFromBody([1])).toMatchObject({ ok: false, error: expect.stringMatching(/JSON object/) });
  });
});

describe('--fault in the config', () => {
  it('is repeatable, and a bad one is an error naming it before anything starts', async () => {
    const ok = await resolveConfig(
      { fault: ['binance:BTC/USDT:gap:count=1', 'okx:BTC-USDT:stall:ratePerMin=1,ms=100'] },
      'replay',
      {},
    );
    expect(ok.faults).toHaveLength(2);
    await expect(resolveConfig({ fault: ['binance:BTC/USDT:gap'] }, 'replay', {})).rejects.toThrow(
      /faults.*is not exchange:symbol:fault:params/s,
    );
  });
});
