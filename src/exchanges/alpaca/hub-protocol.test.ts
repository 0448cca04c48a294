import { AlpacaCredentials } from './credentials.js';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { Session, type SessionHost } from '../../replay/venue-host.js';
import { AlpacaProtocol, type AlpacaSessionState } from './hub.js';
import { emptySubscriptions } from './hub-requests.js';

function fakeHost(failOn: 'subscribe' | undefined): {
  host: SessionHost<AlpacaSessionState>;
  sent: string[];
} {
  const sent: string[] = [];
  const host: SessionHost<AlpacaSessionState> = {
    send: (_s, data) => void sent.push(String(data)),
    subscribe: () => {
      if (failOn === 'subscribe') throw new Error('fan-out broke');
    },
    unsubscribe: () => {},
    setWrapped: () => {},
    close: () => {},
    now: () => 0,
  };
  return { host, sent };
}

describe('AlpacaProtocol', () => {
  it('answers 500 internal error when handling a message throws, and reports it', () => {
    const errors: unknown[] = [];
    const protocol = new AlpacaProtocol(
      {
        credentials: new AlpacaCredentials('demo', 'demo'),
        connectionLimit: 1,
        symbolLimit: 30,
        authTimeoutMs: 10_000,
        feeds: ['iex'],
      },
      '/alpaca',
      (err) => errors.push(err),
    );
    const state: AlpacaSessionState = {
      feed: 'iex',
      encoding: 'json',
      headerAuth: undefined,
      key: 'demo',
      subscriptions: emptySubscriptions(),
    };
    const session = new Session(1, {} as WebSocket, {} as Duplex, state, false, 0);
    const { host, sent } = fakeHost('subscribe');
    protocol.message(session, Buffer.from('{"action":"subscribe","trades":["AAPL"]}'), false, host);
    expect(sent).toEqual(['[{"T":"error","code":500,"msg":"internal error"}]']);
    expect(errors).toHaveLength(1);
    expect(protocol.counters.errors).toBe(1);
  });
});
