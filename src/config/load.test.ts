import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { envVarName, loadConfig } from './load.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function configFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tickstream-config-'));
  dirs.push(dir);
  const file = join(dir, 'tickstream.json');
  await writeFile(file, content);
  return file;
}

describe('loadConfig', () => {
  it('applies defaults', async () => {
    const config = await loadConfig();
    expect(config.gatewayPort).toBe(3000);
    expect(config.hubPort).toBe(3100);
    expect(config.speed).toBe(1);
    expect(config.exchanges).toEqual(['binance']);
    expect(config.bus).toBe('memory');
  });

  it('layers file < env < flags', async () => {
    const file = await configFile(JSON.stringify({ speed: 5, gatewayPort: 4000, exchanges: ['binance'] }));
    const config = await loadConfig({
      file,
      env: { [envVarName('speed')]: '20', [envVarName('hubPort')]: '4100' },
      flags: { speed: 'max' },
    });
    expect(config.speed).toBe('max');
    expect(config.gatewayPort).toBe(4000);
    expect(config.hubPort).toBe(4100);
  });

  it('parses comma lists and booleans from strings', async () => {
    const config = await loadConfig({
      env: { TICKSTREAM_EXCHANGES: 'Binance, okx', TICKSTREAM_LOOP: 'yes' },
    });
    expect(config.exchanges).toEqual(['binance', 'okx']);
    expect(config.loop).toBe(true);
  });

  it('names the key, its source and the fix for a bad value', async () => {
    const err = await loadConfig({ flags: { speed: 'fast' }, flagNames: { speed: '--speed' } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('"speed" (from flag --speed)');
    expect(err.message).toContain('"max"');
    expect(err.message).toContain('got "fast"');

    const env = await loadConfig({ env: { TICKSTREAM_GATEWAY_PORT: '70000' } }).catch((e) => e);
    expect(env.message).toContain('"gatewayPort" (from environment variable TICKSTREAM_GATEWAY_PORT)');

    const ex = await loadConfig({ flags: { exchanges: 'binance,ftx' } }).catch((e) => e);
    expect(ex.message).toContain('unknown exchange "ftx"');
  });

  it('rejects unknown keys and unreadable files clearly', async () => {
    const file = await configFile(JSON.stringify({ sped: 2 }));
    const err = await loadConfig({ file }).catch((e) => e);
    expect(err.message).toContain('unknown setting(s) "sped"');

    const bad = await configFile('{not json');
    expect((await loadConfig({ file: bad }).catch((e) => e)).message).toContain('is not valid JSON');
    expect((await loadConfig({ file: '/nonexistent/x.json' }).catch((e) => e)).message).toContain(
      'Cannot read config file',
    );
  });
});
