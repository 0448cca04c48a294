/**
 * Bad input and connection rules on the OKX services of a real hub: OKX's error events for
 * frames it cannot read, unknown channels or instruments, a missing instId, a 1 MB frame and
 * requests too frequent, the connection staying open after each; `ping` → `pong`; the 30 s cut
 * of a connection the hub sent nothing (shortened here), which a pinging client never hits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OKX_OPS_PER_HOUR } from './hub.js';
import { OkxTestClient, startOkxHub, type RunningOkxHub } from './test-support/hub.js';

let hub: RunningOkxHub;
afterEach(async () => hub.close());

const WRONG = (channel: string, instId: string) =>
  `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`;

describe('OKX hub bad input', () => {
  it('answers unreadable requests with 60012 quoting them, bad args with 60013 / 60018, and stays open', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.publicUrl);
    const cases: Array<[unknown, Record<string, unknown>]> = [
      ['{"op":"subscribe",', { code: '60012', msg: 'Invalid request: {"op":"subscribe",' }],
      ['[1,2]', { code: '60012', msg: 'Invalid request: [1,2]' }],
      [
        { op: 'login', args: [] },
        { code: '60012', msg: 'Invalid request: {"op":"login","args":[]}' },
      ],
      [{ op: 'subscribe', args: [] }, { code: '60012' }],
      [{ op: 'subscribe', id: 'x-1', args: [{ channel: 'trades', instId: 'BTC-USDT' }] }, { code: '60012' }],
      [
        { id: 'q1', op: 'subscribe', args: [{ channel: 'trades' }] },
        { id: 'q1', code: '60013', msg: 'Invalid args' },
      ],
      [
        { op: 'subscribe', args: [{ channel: 'books-l2-tbt', instId: 'BTC-USDT' }] },
        { code: '60018', msg: WRONG('books-l2-tbt', 'BTC-USDT') },
      ],
      [
        { op: 'subscribe', args: [{ channel: 'trades', instId: 'DOGE-USDT' }] },
        { code: '60018', msg: WRONG('trades', 'DOGE-USDT') },
      ],
    ];
    for (const [request, answer] of cases) {
      c.send(request);
      const frame = await c.next();
      expect(frame).toMatchObject({ event: 'error', ...answer });
      expect(frame.connId).toMatch(/^[0-9a-f]{8}$/);
      if (!('id' in answer)) expect(frame).not.toHaveProperty('id');
    }
    // A request with one bad arg: the good one is still acked.
    c.send({
      op: 'subscribe',
      args: [
        { channel: 'nope', instId: 'BTC-USDT' },
        { channel: 'trades', instId: 'BTC-USDT' },
      ],
    });
    expect(await c.next()).toMatchObject({ event: 'error', code: '60018' });
    expect(await c.next()).toMatchObject({
      event: 'subscribe',
      arg: { channel: 'trades', instId: 'BTC-USDT' },
    });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
  });

  it('answers a 1 MB frame with 60012 naming its size, and stays open', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.publicUrl);
    c.send(
      JSON.stringify({ op: 'subscribe', args: [{ channel: 'trades', instId: 'x'.repeat(1024 * 1024) }] }),
    );
    const frame = await c.next();
    expect(frame).toMatchObject({ event: 'error', code: '60012' });
    expect(frame.msg).toMatch(
      /^Invalid request: \{"op":"subscribe".*\(1048\d+ bytes; a request may be at most 65536 bytes\)$/,
    );
    expect((frame.msg as string).length).toBeLessThan(400);
    expect(await c.barrier()).toEqual([]);
  });

  it('answers requests over 3 a second with 60014 and keeps the connection', async () => {
    hub = await startOkxHub({ rules: { maxIncoming: 3 } });
    const c = await OkxTestClient.connect(hub.publicUrl);
    for (let i = 0; i < 4; i++)
      c.send({ id: `r${i}`, op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }] });
    const frames = [await c.next(), await c.next(), await c.next(), await c.next()];
    expect(frames.slice(0, 3).map((f) => f.event)).toEqual(['subscribe', 'subscribe', 'subscribe']);
    expect(frames[3]).toMatchObject({
      id: 'r3',
      event: 'error',
      code: '60014',
      msg: 'Requests too frequent.',
    });
    await new Promise((r) => setTimeout(r, 1050));
    expect(await c.barrier()).toEqual([]);
  });

  it(`answers the subscribe request after ${OKX_OPS_PER_HOUR} in an hour with 60014`, async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.publicUrl);
    for (let i = 0; i < OKX_OPS_PER_HOUR; i++) {
      c.send({
        op: i % 2 === 0 ? 'subscribe' : 'unsubscribe',
        args: [{ channel: 'trades', instId: 'ETH-USDT' }],
      });
    }
    c.send({ op: 'subscribe', args: [{ channel: 'trades', instId: 'ETH-USDT' }] });
    const frames = await c.barrier();
    expect(frames).toHaveLength(OKX_OPS_PER_HOUR + 1);
    expect(frames.slice(0, -1).every((f) => f.event === 'subscribe' || f.event === 'unsubscribe')).toBe(true);
    expect(frames[OKX_OPS_PER_HOUR]).toMatchObject({ event: 'error', code: '60014' });
  });

  it('answers the text ping with the text pong', async () => {
    hub = await startOkxHub();
    const c = await OkxTestClient.connect(hub.businessUrl);
    c.send('ping');
    expect(await c.nextText()).toBe('pong');
  });

  it('cuts a connection it sent nothing for the silent timeout, and keeps one that pings', async () => {
    hub = await startOkxHub({ rules: { silentTimeoutMs: 300 } });
    const idle = await OkxTestClient.connect(hub.publicUrl);
    const pinging = await OkxTestClient.connect(hub.publicUrl);
    // Pinging at 250 ms against a 300 ms cut, as a client pings at 25 s against OKX's 30 s.
    const timer = setInterval(() => pinging.send('ping'), 250);
    const started = Date.now();
    expect(await idle.closed).toEqual({ code: 4004, reason: 'No data received in 30s' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await new Promise((r) => setTimeout(r, 600));
    clearInterval(timer);
    expect(pinging.ws.readyState).toBe(pinging.ws.OPEN);
    expect(pinging.frames.every((f) => f === 'pong')).toBe(true);
  });
});
