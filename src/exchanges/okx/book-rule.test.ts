/**
 * OKX's books rule through the generic `BookSync`, on the real BTC-USDT capture (1 snapshot, 97
 * updates, pre-seqId): every checksum verified, the book equal to a plain rebuild from the text;
 * then the failures (corrupted checksum, seq gap, update before a snapshot) counted, logged,
 * resubscribed and never applied, and the repeated-seqId no-change update applied.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BookSync } from '../../book/book-sync.js';
import type { BookChange, NormalizedMessage, Status } from '../../core/types.js';
import { LOG_LEVEL, captureLogs, type LogLine } from '../../test-support/log-capture.js';
import { until } from '../../test-support/until.js';
import { okxBookRule, okxContinuity, type OkxBookEvent, type OkxBookRuleOptions } from './book-rule.js';
import { decodeOkxFrame } from './codec.js';

/** The BTC-USDT books events of the capture, in order. */
const CAPTURED: readonly OkxBookEvent[] = readFileSync(
  fileURLToPath(new URL('./fixtures/books.ws.txt', import.meta.url)),
  'utf8',
)
  .split('\n')
  .filter((line) => line.includes('"instId":"BTC-USDT"'))
  .flatMap((line) => decodeOkxFrame(line.slice(line.indexOf(': ') + 2), 1))
  .flatMap((d) => (d.type === 'book' ? [d.event] : []));

/** The same events in the current shape: seqIds added (gaps of 7, as live), the snapshot's prevSeqId -1. */
function withSeqIds(events: readonly OkxBookEvent[]): OkxBookEvent[] {
  return events.map((e, i) => ({
    ...e,
    change: { ...e.change, sequence: 1000 + 7 * i },
    seqId: 1000 + 7 * i,
    prevSeqId: i === 0 ? -1 : 1000 + 7 * (i - 1),
  }));
}

/** The plain reference: sides keyed by price text, sizes as text, "0" deletes. */
function referenceBook(events: readonly OkxBookEvent[]): {
  bids: [number, number][];
  asks: [number, number][];
} {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  for (const e of events) {
    for (const [side, levels] of [
      [bids, e.wire.bids],
      [asks, e.wire.asks],
    ] as const) {
      for (const [px, sz] of levels) {
        if (sz === '0') side.delete(px);
        else side.set(px, sz);
      }
    }
  }
  const sorted = (side: Map<string, string>, desc: boolean): [number, number][] =>
    [...side]
      .map(([p, s]): [number, number] => [Number(p), Number(s)])
      .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]));
  return { bids: sorted(bids, true), asks: sorted(asks, false) };
}

interface Harness {
  sync: BookSync<OkxBookEvent>;
  out: NormalizedMessage[];
  logs: LogLine[];
  resubscribes: () => number;
}

const open: BookSync<OkxBookEvent>[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function harness(options: OkxBookRuleOptions = {}): Harness {
  const out: NormalizedMessage[] = [];
  const { logger, lines } = captureLogs();
  let resubscribes = 0;
  const sync = new BookSync<OkxBookEvent>({
    exchange: 'okx',
    symbol: 'BTC/USDT',
    rule: okxBookRule(options),
    emit: (m) => out.push(m),
    logger,
    resubscribe: () => resubscribes++,
    backoff: { random: () => 0 },
  });
  open.push(sync);
  return { sync, out, logs: lines, resubscribes: () => resubscribes };
}

const changes = (out: NormalizedMessage[]): BookChange[] =>
  out.filter((m): m is BookChange => m.type === 'book_change');
const resyncing = (out: NormalizedMessage[]): Status[] =>
  out.filter((m): m is Status => m.type === 'status' && m.state === 'resyncing');
const warnings = (logs: LogLine[], msg: string): LogLine[] =>
  logs.filter((l) => l.level === LOG_LEVEL.warn && l.msg.includes(msg));

describe('okxBookRule through BookSync on the real BTC-USDT capture', () => {
  it('verifies all 98 checksums and ends with the book a plain rebuild gives', () => {
    expect(CAPTURED).toHaveLength(98);
    const { sync, out, resubscribes } = harness();
    for (const e of CAPTURED) sync.push(e);
    expect(sync.stats).toMatchObject({
      checksums: 98,
      checksumMismatches: 0,
      gaps: 0,
      applied: 97,
      snapshots: 1,
    });
    expect(changes(out)).toHaveLength(98);
    const ref = referenceBook(CAPTURED);
    expect(sync.book.bids.top()).toEqual(ref.bids);
    expect(sync.book.asks.top()).toEqual(ref.asks);
    expect(sync.state).toBe('synced');
    expect(resubscribes()).toBe(0);
  });

  it('in the current shape follows prevSeqId == last seqId to the last seqId', () => {
    const events = withSeqIds(CAPTURED);
    const { sync } = harness();
    for (const e of events) sync.push(e);
    expect(sync.stats).toMatchObject({ checksumMismatches: 0, gaps: 0, applied: 97 });
    expect(sync.updateId).toBe(events[97].seqId);
  });

  it('applies a repeated-seqId update without changes as a no-op, and continues after it', () => {
    const events = withSeqIds(CAPTURED);
    const { sync } = harness();
    for (const e of events.slice(0, 10)) sync.push(e);
    const last = events[9];
    const idle: OkxBookEvent = {
      ...last,
      change: { ...last.change, bids: [], asks: [] },
      wire: { bids: [], asks: [] },
      prevSeqId: last.seqId,
    };
    expect(okxContinuity(idle, last.seqId ?? NaN)).toBe('apply');
    sync.push(idle);
    for (const e of events.slice(10)) sync.push(e);
    expect(sync.stats).toMatchObject({ gaps: 0, checksumMismatches: 0, applied: 98 });
    expect(sync.book.bids.top()).toEqual(referenceBook(CAPTURED).bids);
  });
});

describe('okxBookRule failures: counted, logged, resubscribed, never applied', () => {
  it('a corrupted checksum', async () => {
    const { sync, out, logs, resubscribes } = harness();
    const bad = { ...CAPTURED[40], checksum: (CAPTURED[40].checksum ?? 0) ^ 1 };
    for (const e of [...CAPTURED.slice(0, 40), bad]) sync.push(e);
    expect(sync.stats).toMatchObject({ checksumMismatches: 1, resyncs: 1, applied: 39 });
    expect(changes(out)).toHaveLength(40); // the snapshot and 39 updates; not the bad one
    expect(resyncing(out)[0].reason).toMatch(
      /checksum mismatch: update seqId=none .* says -?\d+, local book -?\d+/,
    );
    expect(warnings(logs, 'book checksum mismatch')).toHaveLength(1);
    expect(sync.state).toBe('resubscribing');
    await until(() => resubscribes() === 1, 2000, 'resubscribe');
    sync.push(CAPTURED[41]); // dropped: no snapshot yet
    expect(changes(out)).toHaveLength(40);
    sync.push(CAPTURED[0]); // the fresh snapshot
    expect(sync.state).toBe('synced');
  });

  it('a sequence gap (prevSeqId is not the last seqId)', async () => {
    const events = withSeqIds(CAPTURED);
    const { sync, out, logs, resubscribes } = harness();
    for (const e of [...events.slice(0, 20), ...events.slice(21, 25)]) sync.push(e);
    expect(sync.stats).toMatchObject({ gaps: 1, resyncs: 1, applied: 19, checksumMismatches: 0 });
    expect(changes(out)).toHaveLength(20);
    expect(resyncing(out)[0].reason).toBe(
      `sequence gap: expected prevSeqId=${events[19].seqId}, got prevSeqId=${events[20].seqId} seqId=${events[21].seqId}`,
    );
    expect(warnings(logs, 'book sequence gap')).toHaveLength(1);
    await until(() => resubscribes() === 1, 2000, 'resubscribe');
    expect(sync.stats.dropped).toBe(3);
  });

  it('an update before any snapshot', async () => {
    const { sync, out, logs, resubscribes } = harness();
    sync.push(CAPTURED[1]);
    expect(sync.stats).toMatchObject({ dropped: 1, resyncs: 1, applied: 0 });
    expect(changes(out)).toHaveLength(0);
    expect(resyncing(out)[0].reason).toMatch(/^no snapshot: update before any snapshot \(update seqId=none/);
    expect(warnings(logs, 'without a snapshot')).toHaveLength(1);
    await until(() => resubscribes() === 1, 2000, 'resubscribe');
  });

  it('without checksum validation nothing is compared; a checksum of 0 counts as none sent', () => {
    const unchecked = harness({ validateChecksum: false });
    for (const e of CAPTURED) unchecked.sync.push({ ...e, checksum: 12345 });
    expect(unchecked.sync.stats).toMatchObject({ checksums: 0, checksumMismatches: 0, applied: 97 });
    const zero = harness();
    for (const e of CAPTURED) zero.sync.push({ ...e, checksum: 0 });
    expect(zero.sync.stats).toMatchObject({ checksums: 0, checksumMismatches: 0, applied: 97 });
  });
});
