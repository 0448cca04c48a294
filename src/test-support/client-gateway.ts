/**
 * Test support for the client SDK and the React hooks: a real gateway on loopback over a memory
 * bus the test publishes into, which can be stopped and started again on the same port (the bus
 * and its history survive, as they do when one of several instances restarts).
 */
import { join } from 'node:path';
import { MemoryBus } from '../bus/memory.js';
import { silentLogger } from '../core/logger.js';
import type { Quote, Ticker, Trade } from '../core/types.js';
import { createGateway, type Gateway } from '../gateway/server.js';

// From the working directory (the repo root under vitest): web test environments rewrite import.meta.url.
const PUBLIC_DIR = join(process.cwd(), 'public');

export class TestGateway {
  readonly bus = new MemoryBus({ historySize: 5000, epoch: 'sdkepoch' });
  private gateway: Gateway | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const gw = createGateway({
      bus: this.bus,
      port: this.port,
      host: '127.0.0.1',
      logger: silentLogger(),
      publicDir: PUBLIC_DIR,
    });
    this.port = (await gw.listen()).port;
    this.gateway = gw;
  }

  async stop(): Promise<void> {
    await this.gateway?.close();
    this.gateway = undefined;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.bus.close();
  }
}

let seq = 0;

export function trade(symbol: string, price: number, exchange: Trade['exchange'] = 'binance'): Trade {
  const now = Date.now();
  return {
    type: 'trade',
    exchange,
    symbol,
    timestamp: now,
    localTimestamp: now,
    id: String(++seq),
    price,
    amount: 0.5,
    side: 'buy',
  };
}

export function ticker(symbol: string, last: number, exchange: Ticker['exchange'] = 'binance'): Ticker {
  const now = Date.now();
  return {
    type: 'ticker',
    exchange,
    symbol,
    timestamp: now,
    localTimestamp: now,
    last,
    bid: last - 0.5,
    ask: last + 0.5,
    bidSize: 1,
    askSize: 2,
    volume24h: 100,
    change24hPct: 1.5,
  };
}

export function quote(symbol: string, mid: number, exchange: Quote['exchange'] = 'binance'): Quote {
  const now = Date.now();
  return {
    type: 'quote',
    exchange,
    symbol,
    timestamp: now,
    localTimestamp: now,
    bid: mid - 0.5,
    bidSize: 1,
    ask: mid + 0.5,
    askSize: 1,
    mid,
  };
}
