import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines } from './lines.js';

async function collect(chunks: Buffer[]): Promise<string[]> {
  const out: string[] = [];
  for await (const line of splitLines(Readable.from(chunks))) out.push(line);
  return out;
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
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length];
            chunks.push(bytes.subarray(at, at + size));
            at += size;
          }
          expect(await collect(chunks)).toEqual(lines);
        },
      ),
    );
  });
});
