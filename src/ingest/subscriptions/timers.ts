/**
 * The one timer the subscription sources need, injectable so the grace period and the poll
 * interval are tested on a manual clock instead of by waiting.
 */

/** Stops a scheduled call; calling it after the call ran, or twice, does nothing. */
export type Cancel = () => void;

/** Run `fn` once after `ms` milliseconds. */
export type Schedule = (fn: () => void, ms: number) => Cancel;

/** `setTimeout`, unref'd: a pending grace period or poll never keeps the process alive. */
export const systemSchedule: Schedule = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};
