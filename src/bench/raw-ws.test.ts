import { describe, expect, it } from 'vitest';
import { FrameReader, stampAge, type FrameSink } from './raw-ws.js';

/** A server frame (unmasked), FIN set. */
function serverFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.alloc(4);
  if (n >= 126) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  }
  return Buffer.concat([head, payload]);
}

function collecting(): FrameSink & { texts: string[]; pings: string[] } {
  const texts: string[] = [];
  const pings: string[] = [];
  return {
    texts,
    pings,
    onText: (p) => texts.push(p.toString()),
    onPing: (p) => pings.push(p.toString()),
  };
}

describe('FrameReader', () => {
  const long = 'x'.repeat(300);
  const stream = Buffer.concat([
    serverFrame(1, Buffer.from('2')),
    serverFrame(1, Buffer.from(long)),
    serverFrame(9, Buffer.from('hb')),
    serverFrame(1, Buffer.from('{"result":null,"id":1}')),
  ]);

  it('counts text frames from their headers and keeps only payloads up to keepUpTo, whatever the chunking', () => {
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const sink = collecting();
      const reader = new FrameReader(sink, 30);
      for (let i = 0; i < stream.length; i += size) reader.push(stream.subarray(i, i + size), 0);
      expect(reader.frames).toBe(3);
      expect(sink.texts).toEqual(['2', '{"result":null,"id":1}']);
      expect(sink.pings).toEqual(['hb']);
    }
  });

  it('counts only frames at least countFrom long, and keeps all with Infinity or none with -1', () => {
    const all = collecting();
    const counting = new FrameReader(all, Infinity, 32);
    counting.push(stream, 0);
    expect(counting.frames).toBe(1);
    expect(all.texts).toEqual(['2', long, '{"result":null,"id":1}']);
    const none = collecting();
    const headerOnly = new FrameReader(none, -1);
    headerOnly.push(stream, 0);
    expect(headerOnly.frames).toBe(3);
    expect(none.texts).toEqual([]);
    expect(none.pings).toEqual(['hb']);
  });

  it('starts reading at an offset into the first chunk (the bytes after the upgrade response)', () => {
    const sink = collecting();
    const reader = new FrameReader(sink, Infinity);
    reader.push(Buffer.concat([Buffer.from('HTTP/1.1 101\r\n\r\n'), serverFrame(1, Buffer.from('hi'))]), 16);
    expect(sink.texts).toEqual(['hi']);
  });
});

describe('stampAge', () => {
  it('reads the publish stamp and gives its age; NaN without one', () => {
    const sentAt = performance.timeOrigin + performance.now() - 5;
    const age = stampAge(Buffer.from(`{"stream":"s","data":{"p":1,"sentAt":${sentAt}}}`));
    expect(age).toBeGreaterThanOrEqual(5);
    expect(age).toBeLessThan(1000);
    expect(stampAge(Buffer.from('{"p":1}'))).toBeNaN();
  });
});
