/**
 * US stocks' regular session, judged at market time (the exchange timestamps the data carries,
 * replay time behind a hub) so a replayed close shows as closed whatever the wall clock says.
 */

const newYork = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  weekday: 'short',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60;

/** 09:30–16:00 New York on a weekday (daylight saving from the browser's zone data). */
export function inUsSession(ms: number): boolean {
  const parts: Record<string, string> = {};
  for (const p of newYork.formatToParts(ms)) parts[p.type] = p.value;
  if (parts.weekday === 'Sat' || parts.weekday === 'Sun') return false;
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  return minute >= OPEN_MINUTE && minute < CLOSE_MINUTE;
}

/** Canonical stock symbols have no slash (`AAPL`); pairs do (`BTC/USDT`). */
export function isStock(symbol: string): boolean {
  return !symbol.includes('/');
}

/** A stock outside its session at `marketNow` (0: no market time known yet, so not closed). */
export function marketClosed(symbol: string, marketNow: number): boolean {
  return isStock(symbol) && marketNow > 0 && !inUsSession(marketNow);
}
