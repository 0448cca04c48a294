/**
 * The latest price of each symbol, kept on the bus for 5 minutes by the instance that ingests,
 * so a gateway whose live stream went quiet (or one that does not ingest) still has a recent
 * price: the second level of the latest-price fallback (src/gateway/latest-price.ts).
 */
export const PRICE_TTL_MS = 5 * 60_000;

/** `price:BTC/USDT`. Its latest value is the trade or ticker that set the price. */
export function priceTopic(symbol: string): string {
  return `price:${symbol}`;
}
