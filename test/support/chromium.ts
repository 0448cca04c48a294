import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
];

/**
 * Whether browser tests can run. Without Chromium they are skipped with a message, except
 * under CI, where a missing browser is a failure (CI must install it: see .ci/run).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) {
    throw new Error(
      `${CHROMIUM_PATH} is missing under CI; install the Debian package "chromium" (.ci/run does).`,
    );
  }
  console.warn(
    `Skipping browser tests: ${CHROMIUM_PATH} not found. Install it with: apt-get install chromium`,
  );
  return false;
}
