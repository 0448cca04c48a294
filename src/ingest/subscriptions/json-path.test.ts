import { describe, expect, it } from 'vitest';
import { evaluateJsonPath, parseJsonPath, type JsonPath } from './json-path.js';

function path(text: string): JsonPath {
  const r = parseJsonPath(text);
  if (!r.ok) throw new Error(r.error);
  return r.path;
}

describe('parseJsonPath', () => {
  it('reads fields, [*] and [N], with an optional $', () => {
    expect(path('positions[*].symbol')).toEqual([
      { kind: 'field', name: 'positions' },
      { kind: 'each' },
      { kind: 'field', name: 'symbol' },
    ]);
    expect(path('$.data.open[2].name')).toEqual(path('data.open[2].name'));
    expect(path('[*].symbol')[0]).toEqual({ kind: 'each' });
    expect(path('$')).toEqual([]);
  });

  it('refuses anything else, naming where and how to write it', () => {
    for (const bad of ['positions..symbol', 'positions[x]', 'a b', "positions['s']", 'positions[*]symbol']) {
      const r = parseJsonPath(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toContain('positions[*].symbol');
    }
    const r = parseJsonPath('positions[x]');
    expect(!r.ok && r.error).toContain(`at '[x]'`);
  });
});

describe('evaluateJsonPath', () => {
  const body = {
    positions: [
      { symbol: 'BTC/USDT', qty: 1 },
      { symbol: 'ETH/USDT', qty: 2 },
    ],
    symbols: ['AAPL', 'MSFT'],
  };

  it('collects the strings the path points at; a final array stands for its elements', () => {
    expect(evaluateJsonPath(body, path('positions[*].symbol'))).toEqual({
      ok: true,
      values: ['BTC/USDT', 'ETH/USDT'],
    });
    expect(evaluateJsonPath(body, path('positions[1].symbol'))).toEqual({ ok: true, values: ['ETH/USDT'] });
    expect(evaluateJsonPath(body, path('symbols'))).toEqual({ ok: true, values: ['AAPL', 'MSFT'] });
    expect(evaluateJsonPath(['AAPL'], path(''))).toEqual({ ok: true, values: ['AAPL'] });
    expect(evaluateJsonPath({ positions: [] }, path('positions[*].symbol'))).toEqual({
      ok: true,
      values: [],
    });
  });

  it('says where the body does not match', () => {
    const err = (b: unknown, p: string): string => {
      const r = evaluateJsonPath(b, path(p));
      return r.ok ? 'ok' : r.error;
    };
    expect(err({ data: [] }, 'positions[*].symbol')).toBe(`'positions' is missing (fields there: data)`);
    expect(err({ positions: {} }, 'positions[*].symbol')).toBe(`'positions' is an object, not an array`);
    expect(err(body, 'positions[*].qty')).toBe(`'positions[0].qty' is a number, not a string`);
    expect(err({ positions: [{ symbol: 'X' }, {}] }, 'positions[*].symbol')).toBe(
      `'positions[1].symbol' is missing (fields there: none)`,
    );
    expect(err([1], 'positions')).toBe(`the response body is an array, not an object with 'positions'`);
    expect(err(body, 'positions[5].symbol')).toBe(`'positions' has 2 elements, no [5]`);
    expect(err(null, 'positions')).toBe(`the response body is null, not an object with 'positions'`);
  });
});
