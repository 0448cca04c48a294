import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines } from './lines.js';

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of splitLines(Readable.from(chunks))) out.push(line);
  return out;
}

/** The lines yielded after skipping `skip`, and the line count splitLines returns. */
async function collectSkipping(chunks: Buffer[], skip: number): Promise<{ lines: string[]; total: number }> {
  const it = splitLines(Readable.from(chunks), skip);
  const lines: string[] = [];
  for (let next = await it.next(); ; next = await it.next()) {
    if (next.done) return { lines, total: next.value };
    lines.push(next.value);
  }
}

/** `bytes` cut into chunks of the sizes in `cuts`, round and round. */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = cuts[i % cuts.length];
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('splitLines', () => {
  it('splits LF and CRLF lines and keeps a last line without a newline', async () => {
    expect(await collect([Buffer.from('a\nb\r\n\nc')])).toEqual(['a', 'b', '', 'c']);
  });

  it('gives the same lines however the bytes are chunked, multi-byte characters included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[\r\n]/g, '')),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (lines, cuts) => {
          const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
          expect(await collect(chunked(bytes, cuts))).toEqual(lines);
        },
      ),
    );
  });

  it('skips the first lines without yielding them and returns the count of every line', async () => {
    expect(await collectSkipping([Buffer.from('a\nb\r\n\nc')], 2)).toEqual({ lines: ['', 'c'], total: 4 });
    expect(await collectSkipping([Buffer.from('a\nb\n')], 2)).toEqual({ lines: [], total: 2 });
    expect(await collectSkipping([Buffer.from('a\nb')], 5)).toEqual({ lines: [], total: 2 });
    expect(await collectSkipping([Buffer.from('ab'), Buffer.from('c\nd')], 1)).toEqual({
      lines: ['d'],
      total: 2,
    });
    expect(await collectSkipping([], 3)).toEqual({ lines: [], total: 0 });
  });

  it('skips the same lines however the bytes are chunked, with or without a last newline', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme' }).map((s) => s.replace(/[\r\n]/g, '')),
          { maxLength: 12 },
        ),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 0, max: 14 }),
        async (lines, lastNewline, cuts, skip) => {
          // Without a last newline, an empty last line is no line at all.
          const text = lines.join('\n') + (lastNewline && lines.length > 0 ? '\n' : '');
          const expected = !lastNewline && lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
          expect(await collectSkipping(chunked(Buffer.from(text), cuts), skip)).toEqual({
            lines: expected.slice(skip),
            total: expected.length,
          });
        },
      ),
    );
  });
});
