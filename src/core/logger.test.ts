import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { prettyLogs } from './logger.js';

/** What a process logging one line with `format` prints (stdout a pipe, not a terminal). */
function logged(format: string): string {
  const script =
    `import { createLogger } from './src/core/logger.ts';` +
    `createLogger('info', '${format}').info({ exchange: 'okx', port: 3100 }, 'replay hub listening');`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
}

describe('log format', () => {
  it('auto is readable on a terminal and JSON otherwise; pretty and json are what they say', () => {
    expect(prettyLogs('auto', true)).toBe(true);
    expect(prettyLogs('auto', false)).toBe(false);
    expect(prettyLogs('pretty', false)).toBe(true);
    expect(prettyLogs('json', true)).toBe(false);
  });

  it('pretty prints one readable line with the level, message and fields; json one object', () => {
    const pretty = logged('pretty');
    expect(pretty.trim().split('\n')).toHaveLength(1);
    expect(pretty).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: replay hub listening \{"exchange":"okx","port":3100\}\n$/,
    );

    const json = JSON.parse(logged('json')) as Record<string, unknown>;
    expect(json).toMatchObject({ level: 30, msg: 'replay hub listening', exchange: 'okx', port: 3100 });
    // auto with stdout a pipe: JSON for collectors.
    expect(JSON.parse(logged('auto'))).toMatchObject({ msg: 'replay hub listening' });
  });
});
