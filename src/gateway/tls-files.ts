import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Read `tlsCert` and `tlsKey` (both or neither); a missing partner or unreadable file is a ConfigError naming it. */
export async function loadTlsFiles(
  certPath: string | undefined,
  keyPath: string | undefined,
): Promise<TlsFiles | undefined> {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    const [set, missing] = certPath === undefined ? ['tlsKey', 'tlsCert'] : ['tlsCert', 'tlsKey'];
    throw new ConfigError(
      `${set} is set but ${missing} is not: give both --tls-cert <file> and --tls-key <file>, or neither for plain http`,
    );
  }
  return { cert: await readPem(certPath, 'tlsCert'), key: await readPem(keyPath, 'tlsKey') };
}

async function readPem(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new ConfigError(`cannot read ${key} file ${path}: ${(cause as Error).message}; check the path`, {
      cause,
    });
  }
}
