import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMAND_SETTINGS } from '../cli/commands.js';
import { ConfigError } from '../core/errors.js';
import { envVarName, loadConfig } from './load.js';
import type { ConfigKey } from './schema.js';

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
    expect(config.exchanges).toEqual(['binance', 'kraken', 'okx', 'alpaca']);
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

  it('names a flag as it is typed, in one line for one problem', async () => {
    const err = await loadConfig({ flags: { logLevel: 'loud' } }).catch((e) => e);
    expect(err.message).toBe(
      'Invalid configuration: "logLevel" (from flag --log-level) must be one of fatal, error, warn, info, debug, trace, silent; got "loud"',
    );
  });

  it('names the config file and its key', async () => {
    const file = await configFile(JSON.stringify({ hubPort: '1e3' }));
    const err = await loadConfig({ file }).catch((e) => e);
    expect(err.message).toContain(
      `"hubPort" (from config file ${file}) must be a decimal port number 0-65535`,
    );
    expect(err.message).toContain('got "1e3"');
  });
});

describe('ports', () => {
  it.each(['0', '80', '3000', '65535', ' 4000 '])('accepts the decimal integer %j', async (text) => {
    expect((await loadConfig({ flags: { gatewayPort: text } })).gatewayPort).toBe(Number(text));
  });

  it.each(['0x10', '1e3', '0b1', '0o17', '-1', '+80', '3.5', '65536', 'http', ''])(
    'rejects %j, saying that decimal 0-65535 is allowed',
    async (text) => {
      const err = await loadConfig({ flags: { hubPort: text } }).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('"hubPort" (from flag --hub-port) must be a decimal port number 0-65535');
    },
  );

  it('refuses two listeners on one port, naming both sources and the port', async () => {
    const flagNames = { gatewayPort: '--port' };
    const distinctPorts = ['gatewayPort', 'hubPort'] as const;
    const both = await loadConfig({
      flags: { gatewayPort: '4105', hubPort: '4105' },
      flagNames,
      distinctPorts,
    }).catch((e) => e);
    expect(both).toBeInstanceOf(ConfigError);
    expect(both.message).toBe(
      'Invalid configuration: "gatewayPort" (from flag --port) and "hubPort" (from flag --hub-port) are both port 4105; ' +
        'each needs its own port: pick two different ones (0 = any free port)',
    );

    const onDefault = await loadConfig({ flags: { gatewayPort: '3100' }, flagNames, distinctPorts }).catch(
      (e) => e,
    );
    expect(onDefault.message).toContain(
      '"gatewayPort" (from flag --port) and "hubPort" (default) are both port 3100',
    );

    const anyFree = await loadConfig({ flags: { gatewayPort: '0', hubPort: '0' }, distinctPorts });
    expect([anyFree.gatewayPort, anyFree.hubPort]).toEqual([0, 0]);
    // Only the ports a command listens on count: `replay --port 3000` beside the default gateway port.
    expect((await loadConfig({ flags: { hubPort: '3000' }, distinctPorts: ['hubPort'] })).hubPort).toBe(3000);
  });
});

describe('host', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::', '::1', 'fe80::1', 'localhost', 'my-host.example.com', 'h1'])(
    'accepts %j',
    async (host) => {
      expect((await loadConfig({ flags: { host } })).host).toBe(host);
    },
  );

  it.each(['999.1.1.1', '1.2.3', '256.0.0.1', '[::1]', '-bad', 'a..b', 'bad_name', 'two words', ''])(
    'rejects %j, naming what is allowed',
    async (host) => {
      const err = await loadConfig({ flags: { host } }).catch((e) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain(
        `"host" (from flag --host) must be an IPv4 or IPv6 address or a host name, e.g. 127.0.0.1, 0.0.0.0, :: or localhost; got ${JSON.stringify(host)}`,
      );
    },
  );
});

describe('unknown TICKSTREAM_* environment variables', () => {
  it('warns once per variable, naming the nearest known one, and loads the rest', async () => {
    const warnings: string[] = [];
    const config = await loadConfig({
      env: { TICKSTREAM_GATWAY_PORT: '4000', tickstream_hub_prot: '1', TICKSTREAM_SPEED: '5', HOME: '/x' },
      warn: (message) => warnings.push(message),
    });
    expect(warnings).toEqual([
      'environment variable TICKSTREAM_GATWAY_PORT names no setting and is ignored; did you mean TICKSTREAM_GATEWAY_PORT?',
      'environment variable tickstream_hub_prot names no setting and is ignored; did you mean TICKSTREAM_HUB_PORT?',
    ]);
    expect(config.gatewayPort).toBe(3000);
    expect(config.speed).toBe(5);
  });
});

/** The ConfigError a load fails with (a load that succeeds fails the test). */
async function configError(loading: Promise<unknown>): Promise<ConfigError> {
  try {
    await loading;
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('configuration loaded; expected a ConfigError');
}

describe('Alpaca settings', () => {
  it('default to the demo pair, the iex feed and 5 connections a key', async () => {
    expect(await loadConfig({ env: {} })).toMatchObject({
      alpacaKey: 'demo',
      alpacaSecret: 'demo',
      alpacaFeed: 'iex',
      alpacaConnectionLimit: 5,
    });
  });

  it("read Alpaca's own APCA_* variables, below TICKSTREAM_* and flags", async () => {
    const apca = { APCA_API_KEY_ID: 'PKAPCA', APCA_API_SECRET_KEY: 'apca-secret' };
    expect(await loadConfig({ env: apca })).toMatchObject({
      alpacaKey: 'PKAPCA',
      alpacaSecret: 'apca-secret',
    });
    const both = { ...apca, TICKSTREAM_ALPACA_KEY: 'PKTICK', TICKSTREAM_ALPACA_SECRET: '' };
    expect(await loadConfig({ env: both })).toMatchObject({
      alpacaKey: 'PKTICK',
      alpacaSecret: 'apca-secret',
    });
    const flagged = await loadConfig({ env: both, flags: { alpacaKey: 'PKFLAG' } });
    expect(flagged.alpacaKey).toBe('PKFLAG');
    const file = await configFile(JSON.stringify({ alpacaKey: 'PKFILE', alpacaFeed: 'sip' }));
    expect(await loadConfig({ file, env: apca })).toMatchObject({ alpacaKey: 'PKAPCA', alpacaFeed: 'sip' });
  });

  it('name the variable a bad value came from, list the feeds, and never repeat a secret', async () => {
    const feed = await configError(loadConfig({ env: { TICKSTREAM_ALPACA_FEED: 'nasdaq' } }));
    expect(feed.message).toContain('"alpacaFeed" (from environment variable TICKSTREAM_ALPACA_FEED)');
    expect(feed.message).toContain('iex, sip, delayed_sip, test');
    const limit = await configError(loadConfig({ env: { TICKSTREAM_ALPACA_CONNECTION_LIMIT: '0' } }));
    expect(limit.message).toContain('"alpacaConnectionLimit"');
    expect(limit.message).toContain('whole number >= 1');
    const file = await configFile(JSON.stringify({ alpacaSecret: 12345678 }));
    const secret = await configError(loadConfig({ file, env: {} }));
    expect(secret.message).toContain('"alpacaSecret"');
    expect(secret.message).toContain('(value not shown)');
    expect(secret.message).not.toContain('12345678');
  });
});

/** A valid value other than each command default, to set from the file, the environment or a flag. */
const OTHER_VALUE: Partial<Record<ConfigKey, { value: unknown; text: string }>> = {
  loop: { value: false, text: 'false' },
  seed: { value: 'another-seed', text: 'another-seed' },
  logLevel: { value: 'debug', text: 'debug' },
};

const commandDefaults = Object.entries(COMMAND_SETTINGS).flatMap(([command, { defaults }]) =>
  Object.entries(defaults).map(([key, value]) => ({ command, defaults, key: key as ConfigKey, value })),
);

describe('command defaults rank below the file, the environment and flags', () => {
  it('has another value for every command default', () => {
    expect(commandDefaults.length).toBeGreaterThan(0);
    for (const { key, value } of commandDefaults) {
      expect(OTHER_VALUE[key], key).toBeDefined();
      expect(OTHER_VALUE[key]?.value).not.toEqual(value);
    }
  });

  it.each(commandDefaults)(
    '$command: $key = $value applies when nothing else sets it',
    async ({ defaults, key, value }) => {
      expect((await loadConfig({ defaults, env: {} }))[key]).toEqual(value);
    },
  );

  it.each(commandDefaults)(
    '$command: the file, the environment and a flag each outrank $key = $value',
    async ({ defaults, key }) => {
      const other = OTHER_VALUE[key] as { value: unknown; text: string };
      const file = await configFile(JSON.stringify({ [key]: other.value }));
      expect((await loadConfig({ defaults, file }))[key]).toEqual(other.value);
      expect((await loadConfig({ defaults, env: { [envVarName(key)]: other.text } }))[key]).toEqual(
        other.value,
      );
      expect((await loadConfig({ defaults, flags: { [key]: other.value } }))[key]).toEqual(other.value);
    },
  );
});

describe('the bus from deployment variables', () => {
  it('reads REDIS_URL, then REDIS_HOST/REDIS_PORT, below TICKSTREAM_BUS and --bus', async () => {
    expect((await loadConfig({ env: {} })).bus).toBe('memory');
    expect((await loadConfig({ env: { REDIS_URL: 'redis://cache:6380' } })).bus).toBe('redis://cache:6380');
    expect((await loadConfig({ env: { REDIS_HOST: 'cache' } })).bus).toBe('redis://cache:6379');
    expect((await loadConfig({ env: { REDIS_HOST: 'cache', REDIS_PORT: '7000' } })).bus).toBe(
      'redis://cache:7000',
    );
    const env = { REDIS_URL: 'redis://a:1', REDIS_HOST: 'b', TICKSTREAM_BUS: 'redis://c:3' };
    expect((await loadConfig({ env })).bus).toBe('redis://c:3');
    expect((await loadConfig({ env, flags: { bus: 'memory' } })).bus).toBe('memory');
    expect((await loadConfig({ env: { REDIS_URL: 'redis://a:1', REDIS_HOST: 'b' } })).bus).toBe(
      'redis://a:1',
    );
  });

  it('names REDIS_URL when it is not a Redis URL', async () => {
    const err = await configError(loadConfig({ env: { REDIS_URL: 'cache:6379' } }));
    expect(err.message).toMatch(/REDIS_URL/);
  });
});
