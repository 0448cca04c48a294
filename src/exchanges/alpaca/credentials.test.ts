import { inspect } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AlpacaCredentials } from './credentials.js';

const KEY = 'PKABCDEFGH12345678';
const SECRET = 'top-secret-value';

describe('AlpacaCredentials', () => {
  it('writes the pair only into the auth message', () => {
    const c = new AlpacaCredentials(KEY, SECRET);
    expect(JSON.parse(c.authMessage())).toEqual({ action: 'auth', key: KEY, secret: SECRET });
  });

  it('prints as a key hint everywhere else: JSON, inspect, template strings, a pino log line', () => {
    const c = new AlpacaCredentials(KEY, SECRET);
    const lines: string[] = [];
    pino({}, { write: (l: string) => void lines.push(l) }).info(
      { opts: { credentials: c } },
      `using ${String(c)}`,
    );
    for (const printed of [JSON.stringify({ c }), inspect({ c }), `${String(c)}`, lines.join('')]) {
      expect(printed).not.toContain(SECRET);
      expect(printed).not.toContain(KEY);
      expect(printed).toContain('…5678');
    }
    expect(new AlpacaCredentials('demo', 'demo').keyHint).toBe('***');
  });

  it('refuses an empty key or secret, naming the settings', () => {
    expect(() => new AlpacaCredentials('', 'x')).toThrow(/alpacaKey and alpacaSecret.*APCA_API_KEY_ID/);
    expect(() => new AlpacaCredentials('x', '')).toThrow(TypeError);
  });
});
