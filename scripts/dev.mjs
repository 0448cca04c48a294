#!/usr/bin/env node
// `npm run dev`: rebuild on change (tsc and, when present, the dashboard) and restart `tickstream start`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const children = [];

function run(label, command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`dev: ${label} exited (${signal ?? code}); stopping\n`);
    stop(code ?? 1);
  });
  children.push(child);
}

let stopping = false;
function stop(code) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 6000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.once('exit', r))))).then(
    () => process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('tsc', bin('tsc'), ['-p', 'tsconfig.build.json', '--watch', '--preserveWatchOutput']);
if (existsSync(join(root, 'vite.config.ts'))) run('vite', bin('vite'), ['build', '--watch']);
run('tickstream start', process.execPath, [
  '--watch-path=dist',
  '--watch-preserve-output',
  join(root, 'bin', 'tickstream.js'),
  'start',
  ...process.argv.slice(2),
]);
