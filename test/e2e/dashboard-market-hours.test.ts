/**
 * The dashboard marks stocks closed outside US market hours, judged at market time (the replay's
 * exchange timestamps, not the wall clock): a sample starting five minutes before the 16:00 New
 * York close, replayed at --speed 15 (20 s to the close, room for a slow start), shows AAPL
 * live and then "market closed" while crypto keeps trading.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';
import { startSampleStack, type SampleStack } from '../support/stack.js';

describe.skipIf(!chromiumAvailable())('dashboard at the US close, in Chromium', () => {
  let stack: SampleStack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startSampleStack({
      seed: 'dashboard-close',
      minutes: 7,
      startMs: Date.UTC(2026, 0, 5, 20, 55), // 15:55 New York (EST)
      speed: 15,
      loop: false,
    });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('shows a stock live before 16:00 New York and closed after, crypto still live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${stack.gatewayPort}/`);
    const state = (pair: string) => page.locator(`[data-pair="${pair}"]`).getAttribute('data-state');
    await expect.poll(() => state('AAPL'), { timeout: 10_000, interval: 100 }).toBe('live');
    await expect.poll(() => state('AAPL'), { timeout: 45_000, interval: 100 }).toBe('closed');
    expect(await page.locator('[data-pair="AAPL"] .updated').textContent()).toBe('market closed');
    expect(await state('BTC/USDT')).toBe('live');
    expect(await state('BTC/USD')).not.toBe('closed');
    expect(errors).toEqual([]);
  }, 75_000);
});
