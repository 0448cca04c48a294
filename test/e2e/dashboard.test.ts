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

  it('shows moving live prices for the sample pairs of every venue within 10 s', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const priceOf = async (pair: string) =>
      Number((await page.locator(`[data-pair="${pair}"] .price`).textContent())?.replace(/[^0-9.]/g, ''));
    await expect.poll(() => priceOf('BTC/USDT'), { timeout: 10_000, interval: 200 }).toBeGreaterThan(1000);
    const first = await page.locator('[data-pair="BTC/USDT"] .price').textContent();
    await expect
      .poll(async () => page.locator('[data-pair="BTC/USDT"] .price').textContent(), {
        timeout: 15_000,
        interval: 200,
      })
      .not.toBe(first);
    await expect.poll(() => priceOf('ETH/USDT'), { timeout: 10_000 }).toBeGreaterThan(100);
    // Kraken's pairs, each from the Kraken feed (BTC/USD trades only there: it is their primary source).
    await expect.poll(() => priceOf('BTC/USD'), { timeout: 10_000 }).toBeGreaterThan(1000);
    await expect.poll(() => priceOf('ETH/USD'), { timeout: 10_000 }).toBeGreaterThan(100);
    const kraken = await page.locator('[data-pair="BTC/USD"] .price').textContent();
    await expect
      .poll(async () => page.locator('[data-pair="BTC/USD"] .price').textContent(), {
        timeout: 15_000,
        interval: 200,
      })
      .not.toBe(kraken);
    await expect
      .poll(async () => page.locator('[data-pair="BTC/USD"] .source').textContent(), { timeout: 5_000 })
      .toBe('via kraken');
    // A card appears with its pair's first price; on a loaded machine the last venue may come later.
    await expect
      .poll(
        () =>
          page.locator('[data-pair]').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-pair'))),
        { timeout: 15_000, interval: 200 },
      )
      .toEqual(['AAPL', 'BTC/USD', 'BTC/USDT', 'ETH/USD', 'ETH/USDT', 'MSFT', 'SPY']);
    // Alpaca's stocks, live: the sample starts at the New York open.
    for (const stock of ['AAPL', 'MSFT', 'SPY']) {
      await expect.poll(() => priceOf(stock), { timeout: 10_000 }).toBeGreaterThan(10);
      await expect
        .poll(() => page.locator(`[data-pair="${stock}"]`).getAttribute('data-state'), { timeout: 5_000 })
        .toBe('live');
    }
    await expect
      .poll(async () => page.locator('[data-pair="AAPL"] .source').textContent(), { timeout: 5_000 })
      .toBe('via alpaca');
    await page.screenshot({ path: join(stack.dataDir, 'dashboard.png') });
    expect(errors).toEqual([]);
  });

  it("shows each venue's own order book for the chosen pair, never crossed", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`);
    const prices = async (venue: string, side: 'asks' | 'bids') =>
      page
        .locator(`[data-book-venue="${venue}"] .${side} tr`)
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-price'))));
    await expect.poll(() => page.locator('#book-pair').inputValue(), { timeout: 10_000 }).toBe('BTC/USDT');
    await expect.poll(async () => (await prices('binance', 'bids')).length, { timeout: 10_000 }).toBe(10);
    const bids = await prices('binance', 'bids');
    const asks = await prices('binance', 'asks');
    expect(bids).toEqual([...bids].sort((a, b) => b - a));
    expect(asks).toEqual([...asks].sort((a, b) => b - a)); // highest first: the best ask sits on the spread
    expect(bids[0]).toBeLessThan(asks[asks.length - 1]);
    // OKX's own book of the same pair beside Binance's, from book@okx:BTC/USDT.
    await expect.poll(async () => (await prices('okx', 'bids')).length, { timeout: 10_000 }).toBe(10);
    expect(
      await page
        .locator('[data-book-venue]')
        .evaluateAll((n) => n.map((b) => b.getAttribute('data-book-venue'))),
    ).toEqual(['binance', 'okx']);
    const okxBids = await prices('okx', 'bids');
    const okxAsks = await prices('okx', 'asks');
    expect(okxBids[0]).toBeLessThan(okxAsks[okxAsks.length - 1]);
    // One sample market: both venues quote BTC within a fraction of a percent of each other.
    expect(Math.abs(okxBids[0] / bids[0] - 1)).toBeLessThan(0.005);
    await expect
      .poll(() => page.locator('#trade-tape-body tr td:last-child').allTextContents(), { timeout: 10_000 })
      .toContain('okx');

    await page.locator('#book-pair').selectOption('BTC/USD');
    await expect.poll(async () => (await prices('kraken', 'asks')).length, { timeout: 10_000 }).toBe(10);
    expect(
      await page
        .locator('[data-book-venue]')
        .evaluateAll((n) => n.map((b) => b.getAttribute('data-book-venue'))),
    ).toEqual(['kraken']);
    expect(errors).toEqual([]);
  });
});
