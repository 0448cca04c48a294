/**
 * Vitest global setup: the browser tests load the dashboard as the gateway serves it, from
 * dist/dashboard, so build it (Vite, a second or two) when it is missing or older than its sources.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

const SOURCES = ['dashboard', 'src/client', 'src/react', 'src/core/types.ts', 'vite.config.ts'];
const BUILT = join(REPO_ROOT, 'dist', 'dashboard', 'index.html');

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let n = 0;
  for (const entry of readdirSync(path)) n = Math.max(n, newest(join(path, entry)));
  return n;
}

export default function setup(): void {
  const sourcesAt = Math.max(
    ...SOURCES.map((s) => join(REPO_ROOT, s))
      .filter(existsSync)
      .map(newest),
  );
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= sourcesAt) return;
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  // Vitest sets NODE_ENV=test, which would bundle React's development build: build what ships.
  const result = spawnSync(process.execPath, [vite, 'build'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  if (result.status !== 0)
    throw new Error(`building the dashboard failed (vite build exited ${result.status})`);
}
