import { describe, expect, it } from 'vitest';
import { decodeOkxFrame } from '../exchanges/okx/codec.js';
import { benchBookIngest, bookIngestFigure, buildBookStream, ingestPass } from './book-ingest.js';

describe('book ingest bench', () => {
  it('builds a 400-level OKX stream whose every checksum the book sync verifies', () => {
    const stream = buildBookStream(2000, 'test');
    const [snap] = decodeOkxFrame(stream.snapshot, 1);
    expect(snap.type === 'book' && [snap.event.change.bids.length, snap.event.change.asks.length]).toEqual([
      400, 400,
    ]);
    // Throws unless all 2000 updates applied with no gap and no checksum mismatch.
    expect(ingestPass(stream, true)).toBeGreaterThan(0);
    expect(ingestPass(stream, false)).toBeGreaterThan(0);
    const changes = stream.updates.map((u) => {
      const [d] = decodeOkxFrame(u, 1);
      return d.type === 'book' ? d.event.wire.bids.length + d.event.wire.asks.length : 0;
    });
    expect(changes.filter((n) => n > 0).length).toBeGreaterThan(1900);
    expect(stream.updates.some((u) => u.includes('"0","0","0"'))).toBe(true);
  });

  it('a corrupted stream is refused, not measured', () => {
    const stream = buildBookStream(50, 'test');
    const updates = [...stream.updates];
    updates[10] = updates[10].replace(/"checksum":(-?\d+)/, (_, c: string) => `"checksum":${Number(c) ^ 1}`);
    expect(() => ingestPass({ snapshot: stream.snapshot, updates }, true)).toThrow(/checksum mismatches 1/);
  });

  it('reports both figures', async () => {
    const result = await benchBookIngest({ updates: 300, rounds: 1 });
    expect(result).toMatchObject({ updates: 300, levels: 400 });
    const f = bookIngestFigure(result);
    expect(f).toMatchObject({
      unit: 'µs',
      better: 'lower',
      value: result.withChecksumUs,
      baseline: result.withoutChecksumUs,
    });
  });
});
