/**
 * Bad input never takes the Alpaca mount down: after login, any text, JSON or MessagePack a
 * client sends is answered with Alpaca's own messages (an `error` with a documented code, or
 * `subscription` / `success`), the session stays open and in order, and the subscriptions it
 * ends with still deliver.
 */
import { encode } from '@msgpack/msgpack';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AlpacaTestClient,
  alpacaQuote,
  startAlpacaHub,
  type Message,
  type RunningAlpacaHub,
} from './test-support/hub.js';

const CODES = new Set([400, 401, 403, 405, 409, 410, 500]);
let hub: RunningAlpacaHub;

beforeAll(async () => {
  hub = await startAlpacaHub();
});

afterAll(async () => {
  await hub?.close();
});

const lists = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom('AAPL', 'MSFT', '*', 'ZZZZ', ''), fc.string({ maxLength: 8 })), {
    maxLength: 3,
  }),
  fc.anything(),
);
const requestish = fc.oneof(
  fc.record(
    {
      action: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'auth', 'listen', ''), fc.anything()),
      trades: lists,
      quotes: lists,
      bars: lists,
      orderbooks: lists,
      key: fc.string({ maxLength: 8 }),
      secret: fc.string({ maxLength: 8 }),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

/** Sends `frame`, then a no-op subscribe as a barrier; returns every message before the barrier's answer. */
async function exchange(c: AlpacaTestClient, frame: string | Uint8Array): Promise<Message[]> {
  c.ws.send(frame);
  c.send({ action: 'subscribe' });
  const before: Message[] = [];
  for (;;) {
    const messages = await c.next();
    before.push(...messages);
    // The barrier's answer is the last subscription state of the frame that holds it.
    if (messages.at(-1)?.T === 'subscription' && (await settled(c))) return before.slice(0, -1);
  }
}

/** True when nothing more is queued behind the frame just read. */
async function settled(c: AlpacaTestClient): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 1));
  return c.unread === 0;
}

describe('the Alpaca mount under arbitrary client input', () => {
  for (const msgpack of [false, true]) {
    it(`answers every ${msgpack ? 'MessagePack' : 'JSON'} frame with Alpaca's messages and keeps the session`, async () => {
      const c = await AlpacaTestClient.authed(`${hub.wsBase}/v2/sip`, { msgpack });
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.oneof(
              requestish.map((v) => (msgpack ? encode(v ?? null) : (JSON.stringify(v) ?? 'null'))),
              fc.string({ maxLength: 120 }),
            ),
            async (frame) => {
              const answers = await exchange(c, frame);
              for (const m of answers) {
                expect(
                  ['error', 'subscription', 'success', 'q', 't', 'b', 'd', 'u', 's'],
                  JSON.stringify(m),
                ).toContain(m.T);
                if (m.T === 'error') expect(CODES.has(m.code as number), JSON.stringify(m)).toBe(true);
              }
              expect(c.ws.readyState).toBe(c.ws.OPEN);
            },
          ),
          { numRuns: 120 },
        );
        const state = await c.subscribe({ quotes: ['AAPL'] });
        expect(state.quotes).toContain('AAPL');
        hub.push(alpacaQuote('AAPL', '2026-01-05T14:30:00Z', 10.01, 10.02));
        const [quote] = await c.next();
        expect(quote).toMatchObject({ T: 'q', S: 'AAPL', bp: 10.01, ap: 10.02 });
      } finally {
        c.close();
      }
    }, 30_000);
  }
});
