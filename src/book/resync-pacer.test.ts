import { describe, expect, it } from 'vitest';
import { until } from '../test-support/until.js';
import { ResyncPacer } from './resync-pacer.js';

describe('ResyncPacer', () => {
  it('runs the burst at once, then one task per token, first in first out', async () => {
    const pacer = new ResyncPacer({ perSecond: 20, burst: 3 });
    const ran: Array<[task: number, at: number]> = [];
    const t0 = Date.now();
    for (let i = 0; i < 8; i++) pacer.schedule(() => ran.push([i, Date.now() - t0]));
    expect(ran.map((r) => r[0])).toEqual([0, 1, 2]);
    expect(pacer.waiting).toBe(5);
    await until(() => ran.length === 8, 2000, 'every task');
    expect(ran.map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Tokens come every 50 ms: task 3 at ~50 ms, task 7 at ~250 ms.
    expect(ran[3][1]).toBeGreaterThanOrEqual(45);
    expect(ran[7][1]).toBeGreaterThanOrEqual(240);
    expect(pacer.waiting).toBe(0);
    pacer.close();
  });

  it('a cancelled task never runs and frees its place; cancelling twice or after running is harmless', async () => {
    const pacer = new ResyncPacer({ perSecond: 50, burst: 1 });
    const ran: string[] = [];
    const cancelA = pacer.schedule(() => ran.push('a'));
    const cancelB = pacer.schedule(() => ran.push('b'));
    pacer.schedule(() => ran.push('c'));
    cancelB();
    cancelB();
    expect(pacer.waiting).toBe(1);
    await until(() => ran.length === 2, 1000, 'a and c');
    cancelA();
    await new Promise((r) => setTimeout(r, 60));
    expect(ran).toEqual(['a', 'c']);
    expect(pacer.waiting).toBe(0);
    pacer.close();
  });

  it('a task that schedules another queues it behind those already waiting', async () => {
    const pacer = new ResyncPacer({ perSecond: 40, burst: 1 });
    const ran: string[] = [];
    pacer.schedule(() => ran.push('x'));
    pacer.schedule(() => {
      ran.push('a');
      pacer.schedule(() => ran.push('c'));
    });
    pacer.schedule(() => ran.push('b'));
    expect(ran).toEqual(['x']);
    await until(() => ran.length === 4, 1000, 'all four');
    expect(ran).toEqual(['x', 'a', 'b', 'c']);
    pacer.close();
  });

  it('close() drops waiting tasks and its timer; later schedules are ignored', async () => {
    const pacer = new ResyncPacer({ perSecond: 20, burst: 1 });
    const ran: number[] = [];
    pacer.schedule(() => ran.push(1));
    pacer.schedule(() => ran.push(2));
    pacer.close();
    pacer.schedule(() => ran.push(3));
    await new Promise((r) => setTimeout(r, 120));
    expect(ran).toEqual([1]);
    expect(pacer.waiting).toBe(0);
  });

  it('holdUntil() starts no task before the hold ends, tokens or not; an earlier hold does not shorten it', async () => {
    const pacer = new ResyncPacer({ perSecond: 100, burst: 5 });
    const ran: Array<[task: string, at: number]> = [];
    const t0 = Date.now();
    pacer.holdUntil(t0 + 150);
    pacer.holdUntil(t0 + 20);
    pacer.schedule(() => ran.push(['a', Date.now()]));
    pacer.schedule(() => ran.push(['b', Date.now()]));
    expect(ran).toEqual([]);
    expect(pacer.waiting).toBe(2);
    await until(() => ran.length === 2, 2000, 'both after the hold');
    expect(ran.map((r) => r[0])).toEqual(['a', 'b']);
    expect(ran[0][1]).toBeGreaterThanOrEqual(t0 + 149);
    // Held while a task waits for a token: the hold still applies when its timer fires.
    const slow = new ResyncPacer({ perSecond: 50, burst: 1 });
    const later: number[] = [];
    slow.schedule(() => later.push(Date.now()));
    slow.schedule(() => later.push(Date.now()));
    const t1 = Date.now();
    slow.holdUntil(t1 + 120);
    await until(() => later.length === 2, 2000, 'second after the hold');
    expect(later[1]).toBeGreaterThanOrEqual(t1 + 119);
    pacer.close();
    slow.close();
  });

  it('close() clears the timer of a hold', () => {
    const pacer = new ResyncPacer({ perSecond: 10, burst: 1 });
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    pacer.holdUntil(Date.now() + 10_000);
    pacer.schedule(() => undefined);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before + 1);
    pacer.close();
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(before);
    expect(pacer.waiting).toBe(0);
  });
});
