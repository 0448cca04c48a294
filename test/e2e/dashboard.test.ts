/**
 * The dashboard in Chromium over the sample of every venue, served by a gateway that ingests
 * from a replay hub (two processes, so the gateway can be stopped and started again while the
 * page stays open): prices of every pair moving, the chart's candles, each venue's 20-level
 * book, the replay controls and a fault the sources panel shows ingest recovering from, the
 * page across a gateway outage, and screenshots at desktop and phone width (test-results/).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath } from '../support/artifacts.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumAvailable } from '../support/chromium.js';
import { startSplitSampleStack, type SplitSampleStack } from '../support/stack.js';

const SAMPLE_PAIRS = ['AAPL', 'BTC/USD', 'BTC/USDT', 'ETH/USD', 'ETH/USDT', 'MSFT', 'SPY'];
/** What a browser prints while the gateway is away: its own network errors, not the page's. */
const NETWORK_NOISE =
  /ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|WebSocket connection to .* failed|Failed to load resource/;

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  let stack: SplitSampleStack;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    stack = await startSplitSampleStack({ seed: 'dashboard', minutes: 3 });
    url = `http://127.0.0.1:${stack.gatewayPort}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A page with its errors collected: uncaught exceptions and console errors. */
  async function open(width = 1280, height = 800): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    return { page, errors };
  }

  const value = (page: Page, pair: string) =>
    page.locator(`[data-pair="${pair}"] .price`).getAttribute('data-value');
  const values = (page: Page) =>
    page
      .locator('[data-pair]')
      .evaluateAll((tiles) =>
        Object.fromEntries(
          tiles.map((t) => [
            t.getAttribute('data-pair'),
            t.querySelector('.price')?.getAttribute('data-value'),
          ]),
        ),
      );

  it('shows moving prices for every sample pair of every venue within 10 s, and candles on the chart', async () => {
    const { page, errors } = await open();
    const opened = Date.now();
    await expect
      .poll(() => page.locator('[data-pair]').evaluateAll((t) => t.map((n) => n.getAttribute('data-pair'))), {
        timeout: 10_000,
        interval: 100,
      })
      .toEqual(SAMPLE_PAIRS);
    await expect
      .poll(async () => Object.values(await values(page)).filter((v) => Number(v) > 0).length, {
        timeout: Math.max(1000, 10_000 - (Date.now() - opened)),
        interval: 100,
      })
      .toBe(SAMPLE_PAIRS.length);
    const first = await values(page);
    // Each venue's prices move: Binance and OKX (BTC/USDT), Kraken (BTC/USD), Alpaca (AAPL).
    for (const pair of ['BTC/USDT', 'BTC/USD', 'AAPL']) {
      await expect.poll(() => value(page, pair), { timeout: 15_000, interval: 200 }).not.toBe(first[pair]);
    }
    for (const venue of ['binance', 'okx']) {
      await expect
        .poll(
          async () =>
            Number(
              await page
                .locator(`[data-pair="BTC/USDT"] [data-venue="${venue}"] td`)
                .textContent()
                .then((t) => t?.replace(/,/g, '')),
            ),
          { timeout: 10_000 },
        )
        .toBeGreaterThan(1000);
    }
    expect(await page.locator('[data-pair="BTC/USD"] .source').textContent()).toBe('via kraken');
    expect(await page.locator('[data-pair="AAPL"] .source').textContent()).toBe('via alpaca');
    for (const stock of ['AAPL', 'MSFT', 'SPY']) {
      expect(await page.locator(`[data-pair="${stock}"]`).getAttribute('data-state')).toBe('live');
    }
    // The header tells replay time from wall time.
    expect(await page.locator('.clocks').textContent()).toMatch(
      /Replay time2026-01-05 \d\d:\d\d:\d\d UTC.*Wall time/,
    );

    // The chart draws candles of the chosen pair, and keeps doing so on another time frame.
    await expect
      .poll(() => page.locator('#chart').getAttribute('data-candles'), { timeout: 10_000 })
      .not.toBe('0');
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    await page.locator('button[data-frame="15s"]').click();
    await expect
      .poll(async () => Number(await page.locator('#chart').getAttribute('data-candles')), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await page.waitForTimeout(500);
    await page.screenshot({ path: artifactPath('dashboard-1280x800.png') });
    await page.screenshot({ path: artifactPath('dashboard-1280-full.png'), fullPage: true });

    // A phone: one column, nothing wider than the screen.
    const phone = await open(390, 844);
    await expect
      .poll(async () => Object.values(await values(phone.page)).filter((v) => Number(v) > 0).length, {
        timeout: 15_000,
        interval: 200,
      })
      .toBe(SAMPLE_PAIRS.length);
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.page.screenshot({ path: artifactPath('dashboard-390x844.png') });
    expect([...errors, ...phone.errors]).toEqual([]);
    await phone.page.close();
    await page.close();
  });

  it("shows each venue's own 20-level book of the chosen pair, bids below asks, and the trades of every venue", async () => {
    const { page, errors } = await open();
    const prices = (venue: string, side: 'asks' | 'bids') =>
      page
        .locator(`[data-book-venue="${venue}"] .${side} tr`)
        .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-price'))));
    await expect.poll(() => page.locator('#book-pair').inputValue(), { timeout: 10_000 }).toBe('BTC/USDT');
    for (const venue of ['binance', 'okx']) {
      await expect.poll(async () => (await prices(venue, 'bids')).length, { timeout: 10_000 }).toBe(20);
      await expect.poll(async () => (await prices(venue, 'asks')).length, { timeout: 10_000 }).toBe(20);
      const bids = await prices(venue, 'bids');
      const asks = await prices(venue, 'asks');
      expect(bids).toEqual([...bids].sort((a, b) => b - a));
      expect(asks).toEqual([...asks].sort((a, b) => b - a)); // highest first: the best ask sits on the spread
      expect(bids[0]).toBeLessThan(asks[asks.length - 1]);
      expect(await page.locator(`[data-book-venue="${venue}"] .spread`).textContent()).toMatch(/^spread \d/);
    }
    expect(
      await page
        .locator('[data-book-venue]')
        .evaluateAll((n) => n.map((b) => b.getAttribute('data-book-venue'))),
    ).toEqual(['binance', 'okx']);
    // One sample market: both venues quote BTC within a fraction of a percent of each other.
    const [binanceBid, okxBid] = [(await prices('binance', 'bids'))[0], (await prices('okx', 'bids'))[0]];
    expect(Math.abs(okxBid / binanceBid - 1)).toBeLessThan(0.005);
    // The depth bars grow away from the spread.
    const depth = await page
      .locator('[data-book-venue="binance"] .bids tr')
      .evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).style.getPropertyValue('--depth'))));
    expect(depth).toEqual([...depth].sort((a, b) => a - b));
    const venuesOnTape = () => page.locator('#trade-tape-body tr td:last-child').allTextContents();
    for (const venue of ['binance', 'okx', 'alpaca']) {
      await expect.poll(venuesOnTape, { timeout: 15_000 }).toContain(venue);
    }

    await page.locator('#book-pair').selectOption('BTC/USD');
    await expect.poll(async () => (await prices('kraken', 'asks')).length, { timeout: 10_000 }).toBe(20);
    expect(
      await page
        .locator('[data-book-venue]')
        .evaluateAll((n) => n.map((b) => b.getAttribute('data-book-venue'))),
    ).toEqual(['kraken']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pauses and resumes the replay, and a fault button makes ingest reconnect, which the sources panel shows', async () => {
    const { page, errors } = await open();
    const hubState = async () =>
      ((await (await fetch(`http://127.0.0.1:${stack.hubPort}/control/replay`)).json()) as { state: string })
        .state;
    await expect
      .poll(() => page.locator('#replay').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('playing');
    await page.locator('#replay-toggle').click();
    await expect.poll(hubState, { timeout: 5000 }).toBe('paused');
    await expect
      .poll(() => page.locator('#replay').getAttribute('data-state'), { timeout: 5000 })
      .toBe('paused');
    await page.locator('#replay-toggle').click();
    await expect.poll(hubState, { timeout: 5000 }).toBe('playing');

    const reconnects = async () =>
      Number(await page.locator('[data-source="binance"] td').nth(2).textContent());
    await expect
      .poll(() => page.locator('[data-source="binance"]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('connected');
    const before = await reconnects();
    await page.locator('#fault-venue').selectOption('binance');
    await page.locator('button[data-fault="disconnect"]').click();
    await expect.poll(reconnects, { timeout: 15_000, interval: 250 }).toBeGreaterThan(before);
    await expect
      .poll(() => page.locator('[data-source="binance"]').getAttribute('data-state'), { timeout: 15_000 })
      .toBe('connected');
    await expect
      .poll(() => page.locator('[data-pair="BTC/USDT"]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('live');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('marks prices stale and says the gateway is unreachable while it is stopped, and goes live again without a reload', async () => {
    const { page, errors } = await open();
    await expect
      .poll(() => page.locator('[data-pair="BTC/USDT"]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('live');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    await stack.stopGateway();
    await expect
      .poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 3000, interval: 100 })
      .toMatch(/^(degraded|error)$/);
    // Stale 5 s after the last update; the last price stays on screen.
    await expect
      .poll(() => page.locator('[data-pair="BTC/USDT"]').getAttribute('data-state'), {
        timeout: 7000,
        interval: 200,
      })
      .toBe('stale');
    expect(Number(await value(page, 'BTC/USDT'))).toBeGreaterThan(1000);
    await expect(page.locator('#unreachable').textContent({ timeout: 15_000 })).resolves.toMatch(
      /Cannot reach the Tickstream gateway/,
    );

    await stack.startGateway();
    await expect
      .poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 15_000, interval: 200 })
      .toBe('connected');
    const after = await value(page, 'BTC/USDT');
    await expect.poll(() => value(page, 'BTC/USDT'), { timeout: 15_000, interval: 200 }).not.toBe(after);
    await expect
      .poll(() => page.locator('[data-pair="BTC/USDT"]').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('live');
    expect(await page.locator('#unreachable').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(
      true,
    );
    expect(errors.filter((e) => !NETWORK_NOISE.test(e))).toEqual([]);
    await page.close();
  }, 90_000);
});
