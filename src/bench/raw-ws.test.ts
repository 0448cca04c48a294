import { describe, expect, it } from 'vitest';
import { frameBatch } from '../net/ws-frame.js';
import { FrameReader, maskedFrame, stampAge, type FrameSink } from './raw-ws.js';

/** A server frame as the gateway frames it; a ping is the same with its opcode. */
function serverFrame(opcode: number, payload: Buffer): Buffer {
  const frame = frameBatch([payload], null);
  frame[0] = 0x80 | opcode;
  return frame;
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

describe('maskedFrame', () => {
  it('frames a client payload of any length with FIN, the opcode, the mask bit and a payload that unmasks to it', () => {
    for (const n of [0, 5, 125, 126, 300, 65_535, 70_000]) {
      const payload = Buffer.alloc(n, 'a');
      const frame = maskedFrame(1, payload);
      const len7 = frame[1] & 0x7f;
      const head = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      const length = len7 < 126 ? len7 : len7 === 126 ? frame.readUInt16BE(2) : frame.readUInt32BE(6);
      expect([frame[0], frame[1] & 0x80, length, frame.length]).toEqual([0x81, 0x80, n, head + 4 + n]);
      const mask = frame.subarray(head, head + 4);
      const body = Buffer.from(frame.subarray(head + 4).map((b, i) => b ^ mask[i & 3]));
      expect(body.equals(payload)).toBe(true);
    }
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
