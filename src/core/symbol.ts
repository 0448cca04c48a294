/** Canonical symbols: `BASE/QUOTE` pairs (`BTC/USDT`) and stock tickers (`AAPL`, `BRK.B`). */

export type SymbolParseResult =
  { readonly ok: true; readonly symbol: string } | { readonly ok: false; readonly error: string };

const ASSET = /^[A-Z0-9]{1,20}$/;
const STOCK = /^[A-Z][A-Z0-9.]{0,14}$/;

/**
 * Canonical symbol from user input: case-insensitive, `BASE/QUOTE` for pairs or a stock ticker
 * (`AAPL`, `BRK.B`). `BTC-USDT` and `BTC_USDT` are refused with a hint to use `BTC/USDT`.
 */
export function parseSymbol(input: string): SymbolParseResult {
  const s = input.trim().toUpperCase();
  if (s.length === 0)
    return { ok: false, error: `symbol is empty: use a canonical symbol like 'BTC/USDT' or 'AAPL'` };
  const slash = s.indexOf('/');
  if (slash !== -1) {
    const base = s.slice(0, slash);
    const quote = s.slice(slash + 1);
    if (ASSET.test(base) && ASSET.test(quote)) return { ok: true, symbol: s };
    return {
      ok: false,
      error: `symbol '${input}' is not a valid pair: use BASE/QUOTE with letters and digits, e.g. 'BTC/USDT'`,
    };
  }
  const sep = /^([A-Z0-9]{1,20})[-_]([A-Z0-9]{1,20})$/.exec(s);
  if (sep !== null) {
    return { ok: false, error: `symbol '${input}' is not canonical: use '${sep[1]}/${sep[2]}'` };
  }
  if (STOCK.test(s)) return { ok: true, symbol: s };
  return {
    ok: false,
    error: `symbol '${input}' is not valid: use a pair like 'BTC/USDT' or a stock ticker like 'AAPL'`,
  };
}

const SEPARATED = /^([A-Z0-9]{1,20})[-_]([A-Z0-9]{1,20})$/;
const MARKET_FORMS = `'BTC/USDT', 'BTC-USDT' or 'BTC_USDT' (any case), or a stock ticker like 'AAPL'`;

/**
 * A market as clients spell it, canonical: `BTC/USDT`, `BTC-USDT`, `BTC_USDT` (any case) →
 * `BTC/USDT`; stock tickers as in {@link parseSymbol}. For names that come from clients (stream
 * names, `/api/prices/:pair`, SSE `pairs=`); configuration stays on {@link parseSymbol}.
 */
export function parseMarket(input: string): SymbolParseResult {
  const s = input.trim().toUpperCase();
  if (s.length === 0) return { ok: false, error: `market is empty: use ${MARKET_FORMS}` };
  const sep = SEPARATED.exec(s);
  if (sep !== null) return { ok: true, symbol: sep[1] + '/' + sep[2] };
  const r = parseSymbol(input);
  if (r.ok || s.includes('/')) return r;
  return { ok: false, error: `market '${input}' is not valid: use ${MARKET_FORMS}` };
}
