#!/usr/bin/env node
// `npm start` builds only when a source is newer than the build: a current build starts at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const INPUT_DIRS = ['src', 'dashboard'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'vite.config.ts',
];
/** Outputs every build writes; the oldest of them dates the build. */
const OUTPUTS = ['dist/index.js', 'dist/cli/main.js'];
const DASHBOARD_OUTPUT = 'dist/dashboard/index.html';

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (!entry.name.includes('.test.')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function staleReason() {
  const outputs = [...OUTPUTS, ...(existsSync(join(root, 'dashboard')) ? [DASHBOARD_OUTPUT] : [])];
  const missing = outputs.find((o) => !existsSync(join(root, o)));
  if (missing !== undefined) return `${missing} is missing`;
  const built = Math.min(...outputs.map((o) => statSync(join(root, o)).mtimeMs));
  let newest = 0;
  for (const d of INPUT_DIRS)
    if (existsSync(join(root, d))) newest = Math.max(newest, newestIn(join(root, d)));
  for (const f of INPUT_FILES)
    if (existsSync(join(root, f))) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest > built ? 'sources changed since the last build' : undefined;
}

const reason = staleReason();
if (reason !== undefined) {
  process.stderr.write(`tickstream: building (${reason})…\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
