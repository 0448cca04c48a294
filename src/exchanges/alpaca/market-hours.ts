/**
 * US equities' regular trading session: 09:30–16:00 America/New_York on weekdays, DST-correct
 * (the offset comes from the platform's time-zone data, never a fixed -5 h). Exchange holidays
 * and half days are not modelled: every weekday is a session day.
 */

const NEW_YORK = 'America/New_York';
const OPEN_MINUTE = 9 * 60 + 30;
const CLOSE_MINUTE = 16 * 60;
const DAY_MS = 86_400_000;

const wallClock = new Intl.DateTimeFormat('en-US', {
  timeZone: NEW_YORK,
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  weekday: 'short',
});

interface NewYorkTime {
  readonly year: number;
  /** 1-12. */
  readonly month: number;
  readonly day: number;
  /** Minutes since local midnight. */
  readonly minuteOfDay: number;
  readonly weekday: string;
  /** Local wall time minus UTC, ms (-5 h in winter, -4 h in summer). */
  readonly offsetMs: number;
}

/** The New York wall-clock time of the instant `ms`. */
export function newYorkTime(ms: number): NewYorkTime {
  const parts: Record<string, string> = {};
  for (const p of wallClock.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const localAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  return {
    year,
    month,
    day,
    minuteOfDay: hour * 60 + minute,
    weekday: parts.weekday,
    offsetMs: localAsUtc - Math.floor(ms / 1000) * 1000,
  };
}

export interface Session {
  /** 09:30 New York, ms since epoch. */
  readonly open: number;
  /** 16:00 New York, ms since epoch. */
  readonly close: number;
}

/** The instant of `minuteOfDay` New York time on the New York calendar day of `ms`. */
function atNewYorkMinute(ms: number, minuteOfDay: number): number {
  const t = newYorkTime(ms);
  const guess = Date.UTC(t.year, t.month - 1, t.day, 0, minuteOfDay) - t.offsetMs;
  // The offset at the target instant (a DST change happens at 02:00, before the session).
  return Date.UTC(t.year, t.month - 1, t.day, 0, minuteOfDay) - newYorkTime(guess).offsetMs;
}

const HOUR_MS = 3_600_000;
/**
 * The last UTC hour asked about and its answer: New York's offset is a whole number of hours, so
 * every instant of one UTC hour falls on the same New York calendar day. The replay asks for
 * every message; the time-zone lookup behind it is far too slow for that.
 */
let cachedHour = NaN;
let cachedSession: Session | undefined;

/** The session of the New York calendar day `ms` falls on; undefined on a weekend. */
export function sessionOn(ms: number): Session | undefined {
  const hour = Math.floor(ms / HOUR_MS);
  if (hour !== cachedHour) {
    cachedSession = computeSession(ms);
    cachedHour = hour;
  }
  return cachedSession;
}

function computeSession(ms: number): Session | undefined {
  const { weekday } = newYorkTime(ms);
  if (weekday === 'Sat' || weekday === 'Sun') return undefined;
  return { open: atNewYorkMinute(ms, OPEN_MINUTE), close: atNewYorkMinute(ms, CLOSE_MINUTE) };
}

let midnightHour = NaN;
let cachedMidnight = 0;

/** New York midnight (ms) of the New York calendar day of `ms` (cached per UTC hour, as `sessionOn`). */
export function newYorkMidnight(ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  if (hour !== midnightHour) {
    cachedMidnight = atNewYorkMinute(ms, 0);
    midnightHour = hour;
  }
  return cachedMidnight;
}

/** True inside the regular session: open ≤ ms < close on a weekday. */
export function inSession(ms: number): boolean {
  const s = sessionOn(ms);
  return s !== undefined && ms >= s.open && ms < s.close;
}

/** The session in progress at `ms`, or the next one to open. */
export function currentOrNextSession(ms: number): Session {
  for (let day = 0; day < 8; day++) {
    const s = sessionOn(ms + day * DAY_MS);
    if (s !== undefined && ms < s.close) return s;
  }
  throw new Error(`no weekday session within a week of ${new Date(ms).toISOString()}`);
}
