/**
 * Loads the TLS / SASL material a source points to: local files given as flags, Secrets Manager secrets
 * named in the source file (auth.secret, rootCaSecret, poller.truststore.secret) or an S3 truststore.
 * Secret values are never printed; messages name the secret, not its content.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NonRetriableError, RetriableError } from '../../core/errors.js';
import { findAuthKind } from '../../pipes/kinds/registry.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { PemInput, PreflightMaterial } from '../preflight/engine.js';
import { readCertFile } from './cert-file.js';
import { usageError } from './output.js';

/** Flags that override or complete what the source file points to. */
export interface MaterialFlags {
  /** Client certificate chain PEM file (instead of auth.secret). */
  readonly cert?: string;
  /** Client private key PEM file. */
  readonly key?: string;
  /** Password of an encrypted client key. */
  readonly keyPassword?: string;
  /** Trust bundle PEM file or s3://bucket/key (instead of rootCaSecret / poller.truststore). */
  readonly ca?: string;
  /** Bucket for `poller.truststore.s3Key`. */
  readonly truststoreBucket?: string;
  /** Broker certificate PEM file, for the SAN / chain checks of preflight. */
  readonly serverCert?: string;
  /** SASL user name (instead of auth.secret). */
  readonly username?: string;
  /** SASL password (instead of auth.secret). */
  readonly password?: string;
}

/** The AWS clients material loading may use. */
export interface MaterialClients {
  readonly secretsManager: SecretsManagerClient;
  readonly s3: S3Client;
}

/** Everything `check` needs to connect. */
export interface ConnectionMaterial extends PreflightMaterial {
  readonly sasl?: { readonly username: string; readonly password: string };
}

/** Reads a secret string; not found is a config error naming the field, other failures are infrastructure. */
export async function readSecret(
  sm: SecretsManagerClient,
  secretId: string,
  field: string,
  file: string,
): Promise<string> {
  try {
    const res = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (res.SecretString === undefined) {
      throw usageError(
        file,
        field,
        `secret ${secretId} has no SecretString (binary secrets are not supported)`,
        'store the value as a JSON string',
      );
    }
    return res.SecretString;
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'ResourceNotFoundException') {
      throw usageError(
        file,
        field,
        `secret ${secretId} does not exist in this account/region`,
        `create it (aws secretsmanager create-secret --name ${secretId} --secret-string file://secret.json) or fix ${field}`,
      );
    }
    if (name === 'UsageError') throw e;
    if (/Region is missing/i.test((e as Error).message)) throw missingRegion(field, file);
    if (name === 'AccessDeniedException') {
      throw new NonRetriableError(
        `not allowed to read secret ${secretId} (${field}): grant secretsmanager:GetSecretValue`,
        { cause: e },
      );
    }
    throw new RetriableError(`cannot read secret ${secretId} (${field}): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function parseSecretJson(text: string, secretId: string, field: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw usageError(
    `secret:${secretId}`,
    field,
    'the secret is not a JSON object',
    'store it as JSON, e.g. {"certificate": "-----BEGIN CERTIFICATE-----\\n…"}',
  );
}

function stringField(
  obj: Record<string, unknown>,
  key: string,
  secretId: string,
  required: boolean,
): string | undefined {
  const v = obj[key];
  if (typeof v === 'string') return v;
  if (v === undefined && !required) return undefined;
  throw usageError(
    `secret:${secretId}`,
    key,
    v === undefined ? 'is missing' : `must be a string, received ${typeof v}`,
    `add "${key}" to the secret JSON`,
  );
}

function missingRegion(field: string, file: string) {
  return usageError(
    '--region',
    'region',
    `no AWS region configured (needed to read ${field} of ${file})`,
    'pass --region <region> or set AWS_REGION',
  );
}

/** Reads s3://bucket/key. */
export async function readS3Text(s3: S3Client, uri: string, field: string): Promise<PemInput> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m?.[1] || !m[2]) throw usageError(field, field, `"${uri}" is not an S3 URI`, 'use s3://bucket/key');
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    return { text: (await res.Body?.transformToString('utf8')) ?? '', origin: uri };
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'NoSuchKey' || name === 'NoSuchBucket') {
      throw usageError(
        field,
        field,
        `${uri} does not exist (${name})`,
        'upload the truststore PEM there or fix the bucket/key',
      );
    }
    throw new RetriableError(`cannot read ${uri}: ${(e as Error).message}`, { cause: e });
  }
}

/** What the source's auth type keeps in its secret: a client certificate, a username/password, or nothing. */
function secretMaterial(source: SourceConfig) {
  return findAuthKind(source.auth.type)?.secret?.material;
}

/** Client certificate material: flags first, else the auth.secret of a client-certificate auth type. */
async function loadClient(source: SourceConfig, file: string, flags: MaterialFlags, aws: MaterialClients) {
  if (flags.cert || flags.key) {
    if (!flags.cert || !flags.key) {
      throw usageError(
        flags.cert ? '--key' : '--cert',
        flags.cert ? '--key' : '--cert',
        'is required together with the other',
        'pass both --cert <chain.pem> and --key <key.pem>',
      );
    }
    return {
      clientCertificate: readCertFile({ field: '--cert', path: flags.cert, part: 'client-chain' }),
      clientKey: readCertFile({ field: '--key', path: flags.key, part: 'client-key' }),
      ...(flags.keyPassword !== undefined ? { clientKeyPassword: flags.keyPassword } : {}),
    };
  }
  if (secretMaterial(source) !== 'client-certificate') return {};
  const secretId = source.auth.secret;
  if (!secretId) {
    throw usageError(
      file,
      'auth.secret',
      `auth type ${source.auth.type} has no secret`,
      'set auth.secret to the Secrets Manager secret, or pass --cert and --key',
    );
  }
  const text = await readSecret(aws.secretsManager, secretId, 'auth.secret', file);
  const json = parseSecretJson(text, secretId, 'auth.secret');
  const origin = `secret:${secretId}`;
  const password = stringField(json, 'privateKeyPassword', secretId, false);
  return {
    clientCertificate: { text: stringField(json, 'certificate', secretId, true) as string, origin },
    clientKey: { text: stringField(json, 'privateKey', secretId, true) as string, origin },
    ...(password !== undefined ? { clientKeyPassword: flags.keyPassword ?? password } : {}),
    clientSecretString: text,
  };
}

/** Trust bundle: --ca (file or s3://), else rootCaSecret, else poller.truststore. */
async function loadTrust(source: SourceConfig, file: string, flags: MaterialFlags, aws: MaterialClients) {
  if (flags.ca) {
    return {
      trustBundle: flags.ca.startsWith('s3://')
        ? await readS3Text(aws.s3, flags.ca, '--ca')
        : readCertFile({ field: '--ca', path: flags.ca, part: 'certificates' }),
    };
  }
  if (source.rootCaSecret) {
    const text = await readSecret(aws.secretsManager, source.rootCaSecret, 'rootCaSecret', file);
    const json = parseSecretJson(text, source.rootCaSecret, 'rootCaSecret');
    const certificate = stringField(json, 'certificate', source.rootCaSecret, true) as string;
    return {
      trustBundle: { text: certificate, origin: `secret:${source.rootCaSecret}` },
      trustSecretString: text,
    };
  }
  const ts = source.poller?.truststore;
  if (!ts) return {};
  if ('file' in ts) {
    const candidates = [resolve(ts.file), resolve(dirname(file), ts.file)];
    const path = candidates.find((p) => existsSync(p));
    if (!path)
      throw usageError(
        file,
        'poller.truststore.file',
        `file ${ts.file} does not exist`,
        'give a path relative to the repository root',
      );
    const read = readCertFile({
      field: 'poller.truststore.file',
      path,
      part: 'certificates',
      deployed: true,
    });
    return { trustBundle: { ...read, origin: `file:${ts.file}` } };
  }
  if ('secret' in ts) {
    const text = await readSecret(aws.secretsManager, ts.secret, 'poller.truststore.secret', file);
    // The poller accepts {certificate} JSON or the raw PEM.
    const certificate = text.trimStart().startsWith('{')
      ? (stringField(
          parseSecretJson(text, ts.secret, 'poller.truststore.secret'),
          'certificate',
          ts.secret,
          true,
        ) as string)
      : text;
    return { trustBundle: { text: certificate, origin: `secret:${ts.secret}` }, trustSecretString: text };
  }
  if (!flags.truststoreBucket) {
    throw usageError(
      '--truststore-bucket',
      'poller.truststore.s3Key',
      `the truststore is in S3 (${ts.s3Key}) but the bucket is not known`,
      `pass --truststore-bucket <bucket> (the stack output TruststoreBucket) or --ca s3://<bucket>/${ts.s3Key}`,
    );
  }
  return {
    trustBundle: await readS3Text(
      aws.s3,
      `s3://${flags.truststoreBucket}/${ts.s3Key}`,
      'poller.truststore.s3Key',
    ),
  };
}

/** SASL credentials: flags, else auth.secret {username, password}. */
async function loadSasl(source: SourceConfig, file: string, flags: MaterialFlags, aws: MaterialClients) {
  if (secretMaterial(source) !== 'username-password') return {};
  if (flags.username !== undefined || flags.password !== undefined) {
    if (flags.username === undefined || flags.password === undefined) {
      throw usageError(
        flags.username === undefined ? '--username' : '--password',
        'auth',
        'is required together with the other',
        'pass both --username and --password (or neither to use auth.secret)',
      );
    }
    return { sasl: { username: flags.username, password: flags.password } };
  }
  const secretId = source.auth.secret;
  if (!secretId) {
    throw usageError(
      file,
      'auth.secret',
      `auth type ${source.auth.type} has no secret`,
      'set auth.secret, or pass --username and --password',
    );
  }
  const json = parseSecretJson(
    await readSecret(aws.secretsManager, secretId, 'auth.secret', file),
    secretId,
    'auth.secret',
  );
  return {
    sasl: {
      username: stringField(json, 'username', secretId, true) as string,
      password: stringField(json, 'password', secretId, true) as string,
    },
  };
}

/**
 * Loads all material of a source (client certificate, trust bundle, SASL unless `opts.sasl` is false,
 * broker certificate).
 * @example await loadMaterial(source, 'pipes/sources/orders.yaml', { ca: 'ca.pem' }, aws)
 */
export async function loadMaterial(
  source: SourceConfig,
  file: string,
  flags: MaterialFlags,
  aws: MaterialClients,
  opts: { readonly sasl?: boolean } = {},
): Promise<ConnectionMaterial> {
  const client = await loadClient(source, file, flags, aws);
  const trust = await loadTrust(source, file, flags, aws);
  const sasl = opts.sasl === false ? {} : await loadSasl(source, file, flags, aws);
  return {
    ...client,
    ...trust,
    ...sasl,
    ...(flags.serverCert
      ? {
          serverCertificate: readCertFile({
            field: '--server-cert',
            path: flags.serverCert,
            part: 'certificates',
          }),
        }
      : {}),
  };
}
