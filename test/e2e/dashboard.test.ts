import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBinanceDataset } from '../../src/generate/binance.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';
import { runCli, type CliProcess } from '../support/cli.js';
import { freePort } from '../support/ports.js';

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  let dataDir: string;
  let cli: CliProcess;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tickstream-dash-'));
    await generateBinanceDataset({
      root: dataDir,
      seed: 'dashboard',
      startMs: Date.UTC(2026, 0, 5, 14),
      minutes: 3,
      symbols: ['BTCUSDT', 'ETHUSDT'],
    });
    port = await freePort();
    cli = runCli([
      'start',
      '--data',
      dataDir,
      '--port',
      String(port),
      '--hub-port',
      String(await freePort()),
    ]);
    await cli.waitForLog((l) => l.msg === 'tickstream is running', 30_000);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (cli && cli.child.exitCode === null) {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shows moving live prices for the sample pairs within 10 s', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const price = page.locator('[data-pair="BTC/USDT"] .price');
    await expect
      .poll(async () => Number((await price.textContent())?.replace(/[^0-9.]/g, '')), {
        timeout: 10_000,
        interval: 200,
      })
      .toBeGreaterThan(1000);
    const first = await price.textContent();
    await expect.poll(async () => price.textContent(), { timeout: 15_000, interval: 200 }).not.toBe(first);
    await expect
      .poll(
        async () =>
          Number(
            (await page.locator('[data-pair="ETH/USDT"] .price').textContent())?.replace(/[^0-9.]/g, ''),
          ),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(100);
    await page.screenshot({ path: join(dataDir, 'dashboard.png') });
    expect(errors).toEqual([]);
  });
});
