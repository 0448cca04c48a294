/**
 * Binance spells symbols as one word (`BTCUSDT`); Tickstream's canonical form is `BTC/USDT`.
 * Splitting needs the quote asset: the longest known quote suffix wins, so `ETHBTC` is ETH/BTC
 * and `BTCFDUSD` is BTC/FDUSD.
 */
const QUOTE_ASSETS = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'DAI',
  'BTC',
  'ETH',
  'BNB',
  'EUR',
  'GBP',
  'TRY',
  'BRL',
  'AUD',
  'JPY',
  'RUB',
  'UAH',
  'ZAR',
  'PLN',
  'RON',
  'ARS',
  'MXN',
  'COP',
  'IDR',
  'XRP',
  'TRX',
  'DOGE',
  'DOT',
  'USD',
].sort((a, b) => b.length - a.length);

export interface SymbolParts {
  readonly base: string;
  readonly quote: string;
}

/** `BTCUSDT` → `{base: 'BTC', quote: 'USDT'}`; undefined when no known quote asset ends the symbol. */
export function splitBinanceSymbol(native: string): SymbolParts | undefined {
  const upper = native.toUpperCase();
  for (const quote of QUOTE_ASSETS) {
    if (upper.length > quote.length && upper.endsWith(quote)) {
      return { base: upper.slice(0, upper.length - quote.length), quote };
    }
  }
  return undefined;
}

/** `BTCUSDT` (any case) → `BTC/USDT`. Unknown quote assets are returned upper-cased, unsplit. */
export function toCanonicalSymbol(native: string): string {
  const parts = splitBinanceSymbol(native);
  return parts ? `${parts.base}/${parts.quote}` : native.toUpperCase();
}

/** `BTC/USDT` (also `BTC-USDT`, `btc_usdt`) → `BTCUSDT`. */
export function toBinanceSymbol(canonical: string): string {
  return canonical.replace(/[/_-]/g, '').toUpperCase();
}
