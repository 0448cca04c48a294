import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../test-support/log-capture.js';
import { formatBytes, ProgressDisplay, progressLine } from './progress.js';
import type { VenueProgress } from './recorder.js';

const venue = (platform: string, requests: number): VenueProgress => ({
  platform,
  stats: { requests, records: requests - 1, bytes: 2048, errors: 1, gaps: 2, missingIds: 0, rateLimited: 3 },
  nextPollAt: 10_500,
  heldUntil: 0,
});

describe('progress display', () => {
  it('prints one line per venue with requests, records, bytes, errors, gaps, 429s and the next poll', () => {
    expect(progressLine(venue('binance', 10), 10_000)).toBe(
      'binance  requests 10  records 9  2.0 kB  errors 1  gaps 2  429s 3  next poll 0.5s',
    );
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });

  it('redraws the lines in place on a terminal', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    let n = 1;
    const display = new ProgressDisplay({
      read: () => [venue('okx', n++), venue('kraken', n)],
      logger: captureLogs().logger,
      tty: out as unknown as NodeJS.WriteStream,
      redrawMs: 1_000_000,
    }).start();
    display.stop();
    display.stop();
    expect(text.split('\x1b[2F').length).toBe(2);
    expect(text.split('\x1b[2K').length - 1).toBe(4);
  });

  it('logs a line per venue when stdout is no terminal', () => {
    const { logger, lines } = captureLogs();
    new ProgressDisplay({ read: () => [venue('okx', 4)], logger }).stop();
    expect(lines).toMatchObject([{ msg: 'recording progress', exchange: 'okx', requests: 4, gaps: 2 }]);
  });
});
