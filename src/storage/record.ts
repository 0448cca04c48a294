/**
 * One line of a recording: one captured REST response, the body untouched.
 * `<root>/<platform>/<endpoint>/<symbol>/<ISO start time>.jsonl`
 */
export interface RecordedResponse<T = unknown> {
  /** Capture time, ms since epoch. */
  ts: number;
  request: { path: string; params: Record<string, string | number> };
  data: T;
}
