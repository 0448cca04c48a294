import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';
import { startSampleStack, type SampleStack } from '../support/stack.js';

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  let stack: SampleStack;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    stack = await startSampleStack({ seed: 'dashboard', minutes: 3 });
    port = stack.gatewayPort;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
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
    await page.screenshot({ path: join(stack.dataDir, 'dashboard.png') });
    expect(errors).toEqual([]);
  });
});
