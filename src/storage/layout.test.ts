import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  endpointName,
  listEndpoints,
  listPlatforms,
  listRecordingFiles,
  listSymbols,
  parseRecordingFileName,
  recordingFilePath,
  symbolFromPathSegment,
  symbolToPathSegment,
} from './layout.js';

describe('endpointName', () => {
  it('names endpoints from REST paths', () => {
    expect(endpointName('/api/v3/depth')).toBe('api_v3_depth');
    expect(endpointName('/api/v3/historicalTrades')).toBe('api_v3_historicalTrades');
    expect(endpointName('/0/public/Trades')).toBe('0_public_Trades');
    expect(endpointName('/api/v5/market/books')).toBe('api_v5_market_books');
    expect(endpointName('/v2/stocks/quotes')).toBe('v2_stocks_quotes');
    expect(endpointName('api/v3/depth?symbol=BTCUSDT')).toBe('api_v3_depth');
  });
});

describe('recordingFilePath', () => {
  const start = Date.UTC(2026, 0, 5, 14, 0, 0, 123);

  it('builds <root>/<platform>/<endpoint>/<symbol>/<ISO start>.jsonl', () => {
    expect(recordingFilePath('/data', 'binance', 'api_v3_depth', 'BTCUSDT', start)).toBe(
      join('/data', 'binance', 'api_v3_depth', 'BTCUSDT', '2026-01-05T14:00:00.123Z.jsonl'),
    );
    expect(recordingFilePath('/data', 'okx', 'api_v5_market_books', 'BTC-USDT', start)).toBe(
      join('/data', 'okx', 'api_v5_market_books', 'BTC-USDT', '2026-01-05T14:00:00.123Z.jsonl'),
    );
  });

  it('makes symbols with "/" path-safe, reversibly', () => {
    const path = recordingFilePath('/data', 'kraken', '0_public_Trades', 'BTC/USD', start);
    expect(path).toBe(
      join('/data', 'kraken', '0_public_Trades', 'BTC%2FUSD', '2026-01-05T14:00:00.123Z.jsonl'),
    );
    expect(symbolFromPathSegment('BTC%2FUSD')).toBe('BTC/USD');
  });

  it('escapes every symbol into one safe segment and back', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }), (symbol) => {
        const segment = symbolToPathSegment(symbol);
        expect(segment).not.toMatch(/[/\\:*?"<>|]/);
        expect(segment.startsWith('.')).toBe(false);
        expect(symbolFromPathSegment(segment)).toBe(symbol);
      }),
    );
    expect(symbolToPathSegment('..')).toBe('%2E.');
    expect(symbolToPathSegment('A%2FB')).toBe('A%252FB');
  });

  it('reads the start time back from a file name', () => {
    expect(parseRecordingFileName('2026-01-05T14:00:00.123Z.jsonl')).toBe(start);
    expect(parseRecordingFileName('2026-01-05T14:00:00.123Z.json')).toBeUndefined();
    expect(parseRecordingFileName('notes.jsonl')).toBeUndefined();
    expect(parseRecordingFileName('2026-13-45T14:00:00.123Z.jsonl')).toBeUndefined();
  });
});

describe('listing', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tickstream-layout-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function touch(...parts: string[]): Promise<void> {
    await mkdir(join(root, ...parts.slice(0, -1)), { recursive: true });
    await writeFile(join(root, ...parts), '');
  }

  it('lists recordings oldest first and ignores other files', async () => {
    const dir = ['binance', 'api_v3_depth', 'BTCUSDT'];
    await touch(...dir, '2026-01-05T15:00:00.000Z.jsonl');
    await touch(...dir, '2025-12-31T23:59:59.999Z.jsonl');
    await touch(...dir, '2026-01-05T14:00:00.000Z.jsonl');
    await touch(...dir, '2026-01-05T14:30:00.000Z.jsonl.tmp');
    await touch(...dir, 'README.md');
    await touch(...dir, 'garbage.jsonl');
    await mkdir(join(root, ...dir, '2026-01-06T00:00:00.000Z.jsonl'));

    const files = await listRecordingFiles(root, 'binance', 'api_v3_depth', 'BTCUSDT');
    expect(files).toEqual([
      join(root, ...dir, '2025-12-31T23:59:59.999Z.jsonl'),
      join(root, ...dir, '2026-01-05T14:00:00.000Z.jsonl'),
      join(root, ...dir, '2026-01-05T15:00:00.000Z.jsonl'),
    ]);
  });

  it('lists platforms, endpoints and decoded symbols', async () => {
    await touch('binance', 'api_v3_depth', 'ETHUSDT', '2026-01-05T14:00:00.000Z.jsonl');
    await touch('binance', 'api_v3_depth', 'BTCUSDT', '2026-01-05T14:00:00.000Z.jsonl');
    await touch('binance', 'api_v3_historicalTrades', 'BTCUSDT', '2026-01-05T14:00:00.000Z.jsonl');
    await touch('binance', 'stray.txt');
    await touch(
      'kraken',
      '0_public_Trades',
      symbolToPathSegment('BTC/USD'),
      '2026-01-05T14:00:00.000Z.jsonl',
    );

    expect(await listPlatforms(root)).toEqual(['binance', 'kraken']);
    expect(await listEndpoints(root, 'binance')).toEqual(['api_v3_depth', 'api_v3_historicalTrades']);
    expect(await listSymbols(root, 'binance', 'api_v3_depth')).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(await listSymbols(root, 'kraken', '0_public_Trades')).toEqual(['BTC/USD']);
    expect(await listRecordingFiles(root, 'kraken', '0_public_Trades', 'BTC/USD')).toHaveLength(1);
  });

  it('returns empty lists for missing directories', async () => {
    expect(await listPlatforms(join(root, 'nope'))).toEqual([]);
    expect(await listEndpoints(root, 'okx')).toEqual([]);
    expect(await listSymbols(root, 'okx', 'api_v5_market_books')).toEqual([]);
    expect(await listRecordingFiles(root, 'okx', 'api_v5_market_books', 'BTC-USDT')).toEqual([]);
    await touch('file-not-dir');
    expect(await listEndpoints(root, 'file-not-dir')).toEqual([]);
  });
});
