import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJsonError } from './hub-json.js';
import { errorReply, isWellFormedStreamName, parseControl, resultReply } from './hub-protocol.js';
import { HUB_SYMBOLS, TestClient, startHub, type Harness } from './test-support/hub.js';

const EXPECTED = '`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`';
const BAD_ID = { error: { code: 2, msg: 'Invalid request: request ID must be an unsigned integer' } };

/** [what is sent, the exact reply]. */
const ERROR_CASES: [string, unknown][] = [
  ['hello', { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' } }],
  ['{"method": SUBSCRIBE}', { error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 12' } }],
  [
    '{"method":"SUBSCRIBE",\n "params":[,]}',
    { error: { code: 3, msg: 'Invalid JSON: expected value at line 2 column 12' } },
  ],
  [
    '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1',
    { error: { code: 3, msg: 'Invalid JSON: EOF while parsing an object at line 1 column 55' } },
  ],
  [
    '{"method":"LIST_SUBSCRIPTIONS","id":1,}',
    { error: { code: 3, msg: 'Invalid JSON: trailing comma at line 1 column 39' } },
  ],
  [
    '{"method":"SUBSCRIBEX","params":[],"id":1}',
    {
      error: {
        code: 2,
        msg: `Invalid request: unknown variant \`SUBSCRIBEX\`, expected one of ${EXPECTED} at line 1 column 22`,
      },
    },
  ],
  [
    '{"id":1, "method": "subscribe"}',
    {
      error: {
        code: 2,
        msg: `Invalid request: unknown variant \`subscribe\`, expected one of ${EXPECTED} at line 1 column 30`,
      },
    },
  ],
  [
    '{"params":["btcusdt@trade"],"id":1}',
    { error: { code: 2, msg: 'Invalid request: missing field method at line 1 column 35' } },
  ],
  ['{"method":"LIST_SUBSCRIPTIONS"}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":1.5}', BAD_ID],
  // serde reads these as floats, and i64 refuses them.
  ['{"method":"LIST_SUBSCRIPTIONS","id":1.0}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":1e3}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":-0}', BAD_ID],
  // One past either end of the signed 64-bit range.
  ['{"method":"LIST_SUBSCRIPTIONS","id":9223372036854775808}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":-9223372036854775809}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":true}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":"not alphanumeric!"}', BAD_ID],
  ['{"method":"LIST_SUBSCRIPTIONS","id":"0123456789012345678901234567890123456"}', BAD_ID],
  [
    '{"method":"SET_PROPERTY","params":["combined"],"id":5}',
    { error: { code: 1, msg: 'Invalid value type: expected Boolean' } },
  ],
  [
    '{"method":"SET_PROPERTY","params":["combined","true"],"id":5}',
    { error: { code: 1, msg: 'Invalid value type: expected Boolean' } },
  ],
  [
    '{"method":"SET_PROPERTY","params":["fancy",true],"id":5}',
    { error: { code: 0, msg: 'Unknown property' }, id: 5 },
  ],
  [
    '{"method":"GET_PROPERTY","params":["fancy"],"id":"abc"}',
    { error: { code: 0, msg: 'Unknown property' }, id: 'abc' },
  ],
  [
    '{"method":"SET_PROPERTY","params":[1,true],"id":5}',
    { error: { code: 2, msg: 'Invalid request: property name must be a string' } },
  ],
  [
    '{"method":"GET_PROPERTY","id":5}',
    { error: { code: 2, msg: 'Invalid request: property name must be a string' } },
  ],
  [
    '{"method":"SET_PROPERTY","params":["combined",true,1],"id":5}',
    { error: { code: 2, msg: 'Invalid request: too many parameters' } },
  ],
  [
    '{"method":"GET_PROPERTY","params":["combined",1],"id":5}',
    { error: { code: 2, msg: 'Invalid request: too many parameters' } },
  ],
  [
    '{"method":"LIST_SUBSCRIPTIONS","params":["x"],"id":5}',
    { error: { code: 2, msg: 'Invalid request: too many parameters' } },
  ],
  [
    '{"method":"SUBSCRIBE","params":["btcusdt"],"id":7}',
    { error: { code: 2, msg: 'Invalid request: invalid stream name `btcusdt`' }, id: 7 },
  ],
  [
    '{"method":"SUBSCRIBE","params":["btcusdt@trades"],"id":8}',
    { error: { code: 2, msg: 'Invalid request: invalid stream name `btcusdt@trades`' }, id: 8 },
  ],
];

describe('Binance control protocol (parse)', () => {
  it.each(ERROR_CASES)('%s → documented error reply', (sent, reply) => {
    const r = parseControl(Buffer.from(sent));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(JSON.parse(r.reply)).toEqual(reply);
  });

  it('accepts every documented request shape and id kind', () => {
    const ok = (s: string): unknown => {
      const r = parseControl(Buffer.from(s));
      if (!r.ok) throw new Error(r.reply);
      return r.request;
    };
    expect(ok('{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@depth"],"id":1}')).toEqual({
      method: 'SUBSCRIBE',
      id: '1',
      streams: ['btcusdt@aggTrade', 'btcusdt@depth'],
    });
    expect(ok('{"method":"UNSUBSCRIBE","params":["btcusdt@depth"],"id":312}')).toMatchObject({ id: '312' });
    expect(ok('{"method":"LIST_SUBSCRIPTIONS","id":-3}')).toEqual({ method: 'LIST_SUBSCRIPTIONS', id: '-3' });
    expect(ok('{"method":"SET_PROPERTY","params":["combined",true],"id":null}')).toMatchObject({
      value: true,
      id: 'null',
    });
    expect(
      ok('{"method":"GET_PROPERTY","params":["combined"],"id":"e3b0c442-98fc-1c14-9afb-f4c8996fb924"}'),
    ).toMatchObject({
      property: 'combined',
      id: '"e3b0c442-98fc-1c14-9afb-f4c8996fb924"',
    });
  });

  it('echoes signed 64-bit ids with the digits sent', () => {
    for (const id of ['9007199254740993', '-9223372036854775808', '9223372036854775807', '-1', '0']) {
      const r = parseControl(Buffer.from(`{ "id" : ${id} , "method":"LIST_SUBSCRIPTIONS"}`));
      if (!r.ok) throw new Error(r.reply);
      expect(resultReply([], r.request.id)).toBe(`{"result":[],"id":${id}}`);
      expect(errorReply(0, 'Unknown property', r.request.id)).toBe(
        `{"error":{"code":0,"msg":"Unknown property"},"id":${id}}`,
      );
    }
  });

  it('knows the documented stream names', () => {
    for (const s of [
      'btcusdt@trade',
      'btcusdt@depth20@100ms',
      'btcusdt@depth@1000ms',
      'btcusdt@kline_1m',
      'btcusdt@kline_1M@+08:00',
      'btcusdt@ticker_4h',
      '!miniTicker@arr',
      'nosuchcoin@bookTicker',
    ]) {
      expect(isWellFormedStreamName(s), s).toBe(true);
    }
    for (const s of [
      'btcusdt',
      '@trade',
      'btcusdt@depth7',
      'btcusdt@trade@100ms',
      'btc usdt@trade',
      '!trade@arr',
    ]) {
      expect(isWellFormedStreamName(s), s).toBe(false);
    }
  });

  it('reports serde positions in bytes, lines 1-based', () => {
    expect(findJsonError(Buffer.from('{"a":"é" x}'))).toEqual({
      message: 'expected `,` or `}`',
      line: 1,
      column: 11,
    });
    expect(findJsonError(Buffer.from('[1,2]'))).toBeUndefined();
    expect(findJsonError(Buffer.from(''))).toEqual({
      message: 'EOF while parsing a value',
      line: 1,
      column: 0,
    });
    expect(findJsonError(Buffer.from('{"a":tru}'))).toEqual({
      message: 'expected ident',
      line: 1,
      column: 9,
    });
    expect(findJsonError(Buffer.from('{} {}'))).toEqual({
      message: 'trailing characters',
      line: 1,
      column: 4,
    });
    expect(findJsonError(Buffer.from('['.repeat(200) + ']'.repeat(200)))).toMatchObject({
      message: 'recursion limit exceeded',
    });
  });
});

describe('Binance control protocol (over a socket)', () => {
  let h: Harness;
  let c: TestClient;
  beforeAll(async () => {
    // 1024 symbols of its own for the streams-per-connection limit.
    const many = Array.from({ length: 1024 }, (_, i) => `SYM${i}USDT`);
    h = await startHub({ symbols: [...HUB_SYMBOLS, ...many] });
    c = await TestClient.open(`${h.ws}/binance/ws`);
  });
  afterAll(async () => {
    c.ws.terminate();
    await h.close();
  });

  it('answers SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY and GET_PROPERTY as documented', async () => {
    expect(
      await c.request({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@depth'], id: 1 }),
    ).toEqual({
      result: null,
      id: 1,
    });
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 3 })).toEqual({
      result: ['btcusdt@aggTrade', 'btcusdt@depth'],
      id: 3,
    });
    expect(await c.request({ method: 'UNSUBSCRIBE', params: ['btcusdt@depth'], id: 312 })).toEqual({
      result: null,
      id: 312,
    });
    expect(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 2 })).toEqual({
      result: false,
      id: 2,
    });
    expect(await c.request({ method: 'SET_PROPERTY', params: ['combined', true], id: 5 })).toEqual({
      result: null,
      id: 5,
    });
    expect(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 'x1' })).toEqual({
      result: true,
      id: 'x1',
    });
    // A well-formed stream of a symbol the replay does not have: refused, never a silent ack.
    expect(await c.request({ method: 'SUBSCRIBE', params: ['nosuchcoin@trade'], id: null })).toMatchObject({
      error: {
        code: 2,
        msg: expect.stringMatching(
          /^Invalid request: stream `nosuchcoin@trade` is not available: the replay has no symbol NOSUCHCOIN \(it replays BTCUSDT, ETHUSDT, SYM0USDT, .* and 1016 more\)$/,
        ),
      },
      id: null,
    });
    expect(await c.request({ method: 'LIST_SUBSCRIPTIONS', id: 4 })).toEqual({
      result: ['btcusdt@aggTrade'],
      id: 4,
    });
  });

  it('echoes 2^53 + 1 and -2^63 exactly, and accepts negative ids', async () => {
    const d = await TestClient.open(`${h.ws}/binance/ws`);
    for (const id of ['9007199254740993', '-9223372036854775808', '-42']) {
      await d.request(`{"method":"LIST_SUBSCRIPTIONS","id":${id}}`);
      expect(d.texts[d.texts.length - 1]).toBe(`{"result":[],"id":${id}}`);
    }
    d.ws.terminate();
  });

  it('sends every documented error reply and keeps the connection open', async () => {
    for (const [sent, reply] of ERROR_CASES) {
      expect(await c.request(sent), sent).toEqual(reply);
    }
    expect(c.isOpen).toBe(true);
    expect(await c.request({ method: 'GET_PROPERTY', params: ['combined'], id: 9 })).toEqual({
      result: true,
      id: 9,
    });
  });

  it('refuses more than 1024 streams on one connection', async () => {
    const d = await TestClient.open(`${h.ws}/binance/ws`);
    const names = Array.from({ length: 1024 }, (_, i) => `sym${i}usdt@trade`);
    expect(await d.request({ method: 'SUBSCRIBE', params: names, id: 1 })).toEqual({ result: null, id: 1 });
    expect(await d.request({ method: 'SUBSCRIBE', params: ['btcusdt@trade'], id: 2 })).toEqual({
      error: { code: 2, msg: 'Invalid request: too many streams, at most 1024 per connection' },
      id: 2,
    });
    // Re-subscribing to a held stream is not a new one.
    expect(await d.request({ method: 'SUBSCRIBE', params: ['sym0usdt@trade'], id: 3 })).toEqual({
      result: null,
      id: 3,
    });
    d.ws.terminate();
  });
});
