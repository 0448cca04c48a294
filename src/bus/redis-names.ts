import type { NormalizedMessage } from '../core/types.js';

/**
 * The Redis names one bus uses. Its own keys and channels sit under `prefix`
 * (`tickstream:t:trade@BTC/USDT` is a topic's channel); the latest-price key and channel are
 * templates, so other services keep reading the names they already know
 * (`price:dist:{pair}:latest`). `{symbol}` is `BTC/USDT`, `{pair}` is `BTCUSDT`.
 */
export interface RedisNameOptions {
  /** Default `tickstream:`. */
  readonly prefix?: string;
  /** Default `price:{symbol}`. */
  readonly priceKey?: string;
  /** Default `price.updated.{symbol}`. */
  readonly priceChannel?: string;
}

export const DEFAULT_REDIS_PREFIX = 'tickstream:';
export const DEFAULT_PRICE_KEY = 'price:{symbol}';
export const DEFAULT_PRICE_CHANNEL = 'price.updated.{symbol}';

/** Bus topics whose messages also become the `price:<SYMBOL>` record (src/bus/price-topic.ts). */
const PRICE_TOPIC_PREFIX = 'price:';

export class RedisNames {
  readonly prefix: string;
  readonly epoch: string;
  private readonly channelPrefix: string;
  private readonly priceKeyTemplate: string;
  private readonly priceChannelTemplate: string;

  constructor(opts: RedisNameOptions = {}) {
    this.prefix = opts.prefix ?? DEFAULT_REDIS_PREFIX;
    this.epoch = this.prefix + 'epoch';
    this.channelPrefix = this.prefix + 't:';
    this.priceKeyTemplate = opts.priceKey ?? DEFAULT_PRICE_KEY;
    this.priceChannelTemplate = opts.priceChannel ?? DEFAULT_PRICE_CHANNEL;
  }

  /** Pub/sub channel carrying a topic's batches. */
  channel(topic: string): string {
    return this.channelPrefix + topic;
  }

  /** The topic of one of this bus's channels, or undefined for a foreign channel. */
  topicOf(channel: string): string | undefined {
    return channel.startsWith(this.channelPrefix) ? channel.slice(this.channelPrefix.length) : undefined;
  }

  /** Counter of the last offset given out on a topic. */
  offsets(topic: string): string {
    return this.prefix + 'o:' + topic;
  }

  /** Redis Stream holding a topic's recent messages (entry id `0-<offset>`). */
  history(topic: string): string {
    return this.prefix + 'h:' + topic;
  }

  /** A topic's latest value: `<epoch>\n<offset>\n<json>`, with a TTL. */
  latest(topic: string): string {
    return this.prefix + 'l:' + topic;
  }

  /** The symbol a topic's messages set the price of, when the topic is a price topic. */
  priceSymbolOf(topic: string): string | undefined {
    return topic.startsWith(PRICE_TOPIC_PREFIX) ? topic.slice(PRICE_TOPIC_PREFIX.length) : undefined;
  }

  priceKey(symbol: string): string {
    return fill(this.priceKeyTemplate, symbol);
  }

  priceChannel(symbol: string): string {
    return fill(this.priceChannelTemplate, symbol);
  }
}

function fill(template: string, symbol: string): string {
  return template.replaceAll('{symbol}', symbol).replaceAll('{pair}', symbol.replace('/', ''));
}

/** What other services read at `price:<SYMBOL>` and on `price.updated.<SYMBOL>`. */
export interface PriceRecord {
  readonly symbol: string;
  readonly price: number;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly mid: number | null;
  readonly timestamp: number;
  readonly exchange: string;
}

/** The price record a trade, ticker or quote sets; other messages set none. */
export function priceRecord(msg: NormalizedMessage): PriceRecord | undefined {
  if (msg.type === 'trade') {
    return {
      symbol: msg.symbol,
      price: msg.price,
      bid: null,
      ask: null,
      mid: null,
      timestamp: msg.timestamp,
      exchange: msg.exchange,
    };
  }
  if (msg.type === 'ticker') {
    const both = Number.isFinite(msg.bid) && Number.isFinite(msg.ask) && msg.bid > 0 && msg.ask > 0;
    return {
      symbol: msg.symbol,
      price: msg.last,
      bid: both ? msg.bid : null,
      ask: both ? msg.ask : null,
      mid: both ? (msg.bid + msg.ask) / 2 : null,
      timestamp: msg.timestamp,
      exchange: msg.exchange,
    };
  }
  if (msg.type === 'quote') {
    return {
      symbol: msg.symbol,
      price: msg.mid,
      bid: msg.bid,
      ask: msg.ask,
      mid: msg.mid,
      timestamp: msg.timestamp,
      exchange: msg.exchange,
    };
  }
  return undefined;
}
