import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

/**
 * Where tests leave what a person should look at (screenshots): `test-results/` in the repo
 * (git-ignored), or `$TICKSTREAM_ARTIFACTS` when CI collects them elsewhere.
 */
export function artifactPath(name: string): string {
  const dir = process.env.TICKSTREAM_ARTIFACTS ?? join(REPO_ROOT, 'test-results');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
