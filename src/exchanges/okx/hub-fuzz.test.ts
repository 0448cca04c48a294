/**
 * Bad input never takes the OKX mount down: any text or JSON a client sends is answered by an
 * `event` error or ack (or `pong`), the connection stays open, and a books subscriber on another
 * connection keeps receiving valid, checksummed messages throughout.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okxBookChecksum } from './checksum.js';
import { OkxTestClient, okxBookEvent, startOkxHub, type RunningOkxHub } from './test-support/hub.js';
import type { OkxBookData } from './wire.js';

let hub: RunningOkxHub;
const T0 = Date.UTC(2026, 0, 5, 14, 30);

beforeAll(async () => {
  hub = await startOkxHub();
  hub.push(okxBookEvent('BTC-USDT', T0, 'book_snapshot', [['100', '1', '0', '1']], [['101', '1', '0', '1']]));
});

afterAll(async () => {
  await hub?.close();
});

/** Request-shaped values: objects with `op`/`args`/`id` of any type, plus anything at all. */
const requestish = fc.oneof(
  fc.record(
    {
      op: fc.oneof(fc.constantFrom('subscribe', 'unsubscribe', 'login', ''), fc.anything()),
      args: fc.oneof(
        fc.array(
          fc.record(
            {
              channel: fc.oneof(fc.constantFrom('books', 'trades', 'candle1m', 'tickers'), fc.anything()),
              instId: fc.oneof(fc.constantFrom('BTC-USDT', 'ETH-USDT', 'XRP-USDT', ''), fc.anything()),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 4 },
        ),
        fc.anything(),
      ),
      id: fc.oneof(fc.string({ maxLength: 40 }), fc.anything()),
    },
    { requiredKeys: [] },
  ),
  fc.anything(),
);

describe('the OKX mount under arbitrary client input', () => {
  it('answers every frame with an event, keeps the connection, and never disturbs a books subscriber', async () => {
    const watcher = await OkxTestClient.connect(hub.publicUrl);
    watcher.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await watcher.barrier();
    const client = await OkxTestClient.connect(hub.publicUrl);
    let price = 100;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            requestish.map((v) => JSON.stringify(v) ?? 'undefined'),
            fc.string({ maxLength: 200 }),
          ),
          async (text) => {
            client.send(text);
            const answers = await client.barrier();
            for (const a of answers) {
              expect(typeof a.event === 'string' || 'arg' in a, JSON.stringify(a)).toBe(true);
              if (a.event === 'error') expect(a.code).toMatch(/^6\d{4}$/);
            }
            expect(client.ws.readyState).toBe(client.ws.OPEN);
            // The market moves on for the other connection.
            price += 0.1;
            const px = price.toFixed(1);
            hub.push(okxBookEvent('BTC-USDT', T0, 'book_update', [[px, '2', '0', '1']], []));
          },
        ),
        { numRuns: 150 },
      );
      for (const f of await watcher.barrier()) {
        const data = (f.data as OkxBookData[] | undefined)?.[0];
        if (f.action === 'update') expect(typeof data?.checksum).toBe('number');
      }
      // Still the same book stream: its last update's checksum is the book's.
      const snapshot = await OkxTestClient.connect(hub.publicUrl);
      snapshot.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
      const book = (await snapshot.barrier()).find((f) => f.action === 'snapshot');
      const data = (book?.data as OkxBookData[])[0];
      expect(data.checksum).toBe(okxBookChecksum(data.bids, data.asks));
      expect(data.bids[0][0]).toBe(price.toFixed(1));
      snapshot.close();
    } finally {
      client.close();
      watcher.close();
    }
  }, 30_000);
});
