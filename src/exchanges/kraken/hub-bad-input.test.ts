import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KrakenTestClient, startKrakenHub, type RunningKrakenHub } from './test-support/hub.js';
import { tradeEvent } from './test-support/events.js';
import { formatKrakenTime } from './wire-format.js';

const T0 = Date.UTC(2026, 0, 5, 14, 0, 0);
const AT = formatKrakenTime(T0);
const TIMES = `"time_in":"${AT}","time_out":"${AT}"`;

let h: RunningKrakenHub;
beforeAll(async () => {
  h = await startKrakenHub();
  h.push(tradeEvent('BTC/USD', 1, T0, '94000.10000', '0.01000000'));
});
afterAll(() => h.close());

async function connected(): Promise<KrakenTestClient> {
  const c = await KrakenTestClient.connect(h.wsUrl);
  await c.next();
  return c;
}

/** [what is sent, Kraken's answer]: each answered with a failure, the connection kept open. */
const CASES: ReadonlyArray<[string, string | Buffer, string]> = [
  [
    'malformed JSON',
    '{"method":"subscribe",',
    `{"error":"Malformed request","method":"error","success":false,${TIMES}}`,
  ],
  [
    'a JSON value that is not a request',
    '[1,2,3]',
    `{"error":"Malformed request","method":"error","success":false,${TIMES}}`,
  ],
  [
    'binary garbage',
    Buffer.from([0xff, 0x00, 0x7b]),
    `{"error":"Malformed request","method":"error","success":false,${TIMES}}`,
  ],
  [
    'an unknown method',
    '{"method":"subscibe","req_id":4}',
    `{"error":"Method not supported subscibe; use subscribe, unsubscribe or ping","method":"subscibe","req_id":4,"success":false,${TIMES}}`,
  ],
  [
    'an unknown channel',
    '{"method":"subscribe","params":{"channel":"books","symbol":["BTC/USD"]},"req_id":5}',
    `{"error":"Channel not supported books; use book, trade, ticker or ohlc","method":"subscribe","req_id":5,"success":false,${TIMES}}`,
  ],
  [
    'a depth Kraken does not offer',
    '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":15},"req_id":6}',
    `{"error":"Subscription depth not supported","method":"subscribe","req_id":6,"success":false,${TIMES}}`,
  ],
  [
    'an unknown symbol',
    '{"method":"subscribe","params":{"channel":"ticker","symbol":["DOGE/USD"]},"req_id":7}',
    `{"error":"Currency pair not supported DOGE/USD","method":"subscribe","req_id":7,"success":false,"symbol":"DOGE/USD",${TIMES}}`,
  ],
  [
    'a symbol that is not a pair name',
    '{"method":"subscribe","params":{"channel":"trade","symbol":[42]},"req_id":8}',
    `{"error":"Currency pair not in ISO 4217-A3 format 42","method":"subscribe","req_id":8,"success":false,"symbol":"42",${TIMES}}`,
  ],
  [
    'no symbol list',
    '{"method":"subscribe","params":{"channel":"trade","symbol":"BTC/USD"},"req_id":9}',
    `{"error":"Malformed request: params.symbol must be a non-empty list of pairs such as [\\"BTC/USD\\"]","method":"subscribe","req_id":9,"success":false,${TIMES}}`,
  ],
  [
    'a req_id that is not an integer',
    '{"method":"ping","req_id":"x"}',
    `{"error":"Malformed request: req_id must be an integer","method":"ping","success":false,${TIMES}}`,
  ],
  [
    'an ohlc interval Kraken does not offer',
    '{"method":"subscribe","params":{"channel":"ohlc","symbol":["BTC/USD"],"interval":2}}',
    `{"error":"Subscription interval not supported; use one of 1, 5, 15, 30, 60, 240, 1440, 10080, 21600","method":"subscribe","success":false,${TIMES}}`,
  ],
  [
    'a non-boolean snapshot',
    '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":"yes"}}',
    `{"error":"Malformed request: params.snapshot must be true or false","method":"subscribe","success":false,${TIMES}}`,
  ],
];

describe('Kraken v2 hub: bad input', () => {
  it.each(CASES)('answers %s with a failure and keeps the connection open', async (_what, sent, answer) => {
    const c = await connected();
    try {
      c.send(sent);
      expect(await c.nextText()).toBe(answer);
      expect(await c.barrier()).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('closes a 1 MB frame with 1009, and keeps serving everyone else', async () => {
    const bystander = await connected();
    const big = await connected();
    try {
      big.send(JSON.stringify({ method: 'ping', pad: 'x'.repeat(1024 * 1024) }));
      expect((await big.closed).code).toBe(1009);
      expect(await bystander.barrier()).toEqual([]);
      const fresh = await connected();
      expect(await fresh.barrier()).toEqual([]);
      fresh.close();
    } finally {
      bystander.close();
      big.close();
    }
  });
});
