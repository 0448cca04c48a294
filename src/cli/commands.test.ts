import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_SETTINGS, resolveConfig, type ConfiguredCommand } from './commands.js';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A config file that sets the opposite of every command default. */
async function overridingFile(): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'tickstream-commands-'));
  const file = join(dir, 'tickstream.json');
  await writeFile(file, JSON.stringify({ loop: false, seed: 'from-file', logLevel: 'error' }));
  return file;
}

describe('resolveConfig', () => {
  it('lets a config file outrank every command default', async () => {
    const file = await overridingFile();
    for (const command of Object.keys(COMMAND_SETTINGS) as ConfiguredCommand[]) {
      const config = await resolveConfig({ config: file }, command, {});
      expect({ command, loop: config.loop, seed: config.seed, logLevel: config.logLevel }).toEqual({
        command,
        loop: false,
        seed: 'from-file',
        logLevel: 'error',
      });
    }
  });

  it('applies each command default when nothing else sets it', async () => {
    expect((await resolveConfig({}, 'start', {})).loop).toBe(true);
    expect((await resolveConfig({}, 'replay', {})).loop).toBe(false);
    expect((await resolveConfig({}, 'generate', {})).seed).toBe('tickstream-sample');
    expect((await resolveConfig({}, 'bench', {})).logLevel).toBe('warn');
  });

  it('maps --port to the command’s own port and checks only the ports it listens on', async () => {
    expect((await resolveConfig({ port: '4000' }, 'replay', {})).hubPort).toBe(4000);
    expect((await resolveConfig({ port: '3100' }, 'gateway', {})).gatewayPort).toBe(3100);
    await expect(resolveConfig({ port: '3100' }, 'start', {})).rejects.toThrow(
      '"gatewayPort" (from flag --port) and "hubPort" (default) are both port 3100',
    );
  });
});
