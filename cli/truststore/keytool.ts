/**
 * The JDK's keytool as the fallback reader of keystores the libraries cannot read (JCEKS, algorithms
 * node-forge lacks): `keytool -importkeystore` copies the keystore into a PKCS#12 with the legacy algorithms
 * (`-J-Dkeystore.pkcs12.legacy`, which node-forge reads) in a private temporary directory, removed afterwards.
 * See https://docs.oracle.com/en/java/javase/17/docs/specs/man/keytool.html (-importkeystore).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertFileFormat } from './formats.js';
import { type KeystoreContent, KeystoreError, readKeystore } from './keystore.js';

/** keytool's -storetype of each keystore format. */
const STORE_TYPES: Partial<Record<CertFileFormat, string>> = {
  jks: 'JKS',
  jceks: 'JCEKS',
  pkcs12: 'PKCS12',
};

/** keytool refuses a destination store password under 6 characters. */
const KEYTOOL_MIN_PASSWORD = 6;

/** Thrown when keytool is not on PATH. */
export class KeytoolMissingError extends Error {
  constructor() {
    super('keytool (from a JDK) is not on PATH');
    this.name = 'KeytoolMissingError';
  }
}

/**
 * Reads a keystore through keytool.
 * @throws KeytoolMissingError without keytool; KeystoreError when keytool refuses the keystore or password.
 */
export function readWithKeytool(
  bytes: Buffer,
  format: CertFileFormat,
  password: string,
  keytool = 'keytool',
): KeystoreContent {
  const storeType = STORE_TYPES[format];
  if (!storeType) throw new KeystoreError(`keytool does not read ${format} files`, 'unsupported');
  const dir = mkdtempSync(join(tmpdir(), 'kafka-pipes-keytool-'));
  const destPassword =
    password.length >= KEYTOOL_MIN_PASSWORD ? password : randomBytes(12).toString('base64url');
  try {
    const src = join(dir, 'in');
    const dest = join(dir, 'out.p12');
    writeFileSync(src, bytes, { mode: 0o600 });
    execFileSync(
      keytool,
      [
        '-J-Dkeystore.pkcs12.legacy',
        '-importkeystore',
        '-noprompt',
        '-srckeystore',
        src,
        '-srcstoretype',
        storeType,
        '-srcstorepass:env',
        'KP_SRC_PASS',
        '-destkeystore',
        dest,
        '-deststoretype',
        'PKCS12',
        '-deststorepass:env',
        'KP_DEST_PASS',
      ],
      {
        env: { ...process.env, KP_SRC_PASS: password, KP_DEST_PASS: destPassword },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const content = readKeystore(readFileSync(dest), 'pkcs12', destPassword);
    return { ...content, format };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: Buffer; stderr?: Buffer };
    if (err.code === 'ENOENT') throw new KeytoolMissingError();
    if (err instanceof KeystoreError) throw err;
    const said = `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}`.trim().split('\n')[0];
    const reason = /password|tampered/i.test(said ?? '') ? 'password' : 'unsupported';
    throw new KeystoreError(`keytool: ${said || err.message}`, reason);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
