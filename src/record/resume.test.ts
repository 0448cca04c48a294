import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordingFilePath } from '../storage/layout.js';
import { lastRecorded, recordsBackward } from './resume.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const series = { platform: 'p', endpoint: 'e', symbol: 'S/1' };
const line = (ts: number, data: unknown) =>
  JSON.stringify({ ts, request: { path: '/e', params: {} }, data }) + '\n';

async function fileWith(root: string, startMs: number, text: string): Promise<string> {
  const path = recordingFilePath(root, series.platform, series.endpoint, series.symbol, startMs);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

describe('resume point', () => {
  it('reads records last first across chunk boundaries, skipping a torn last line', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickstream-resume-'));
    dirs.push(root);
    const big = 'x'.repeat(100_000);
    const path = await fileWith(root, 1000, line(1, big) + line(2, [1, 2]) + line(3, big) + line(4, 'last'));
    await appendFile(path, '{"ts":5,"request":{"pa');
    const seen: number[] = [];
    for await (const r of recordsBackward(path)) seen.push(r.ts);
    expect(seen).toEqual([4, 3, 2, 1]);
  });

  it('returns the first value picked from the newest file back, and undefined with no recording', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickstream-resume-'));
    dirs.push(root);
    expect(await lastRecorded(root, series, () => 1)).toBeUndefined();
    await fileWith(root, 1000, line(1, { id: 10 }) + line(2, { id: 11 }));
    await fileWith(root, 2000, line(3, { id: 12 }) + line(4, { empty: true }));
    const pick = (r: { data: unknown }) => (r.data as { id?: number }).id;
    expect(await lastRecorded(root, series, pick)).toBe(12);
  });
});
