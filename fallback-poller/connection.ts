import { createPrivateKey } from 'node:crypto';
import { ConfigError, NonRetriableError, RetriableError } from '../core/errors.js';
import type { KafkaConnection } from '../core/kafka/client.js';
import type { AwsCredentialsLike } from '../core/kafka/msk-iam-token.js';
import {
  type BootstrapBrokers,
  lookupBootstrapBrokers,
  MissingBootstrapBrokersError,
} from '../core/msk-bootstrap.js';
import { authKind } from '../pipes/kinds/auth-registry.js';
import type { ClientAuthContext, SecretFieldReader } from '../pipes/kinds/types.js';

/** Where the truststore (PEM bundle of trusted CA certificates) comes from. */
export type TruststoreSpec =
  | { readonly type: 's3'; readonly bucket: string; readonly key: string }
  | { readonly type: 'secret'; readonly secret: string }
  | { readonly type: 'file'; readonly path: string }
  | { readonly type: 'default' };

/**
 * Authentication of the poller to the brokers: an auth type of `pipes/kinds/registry.ts` and, for the
 * types that read one, its secret (in the Pipes JSON format).
 */
export interface AuthSpec {
  readonly type: string;
  readonly secret?: string;
  /** Region of the cluster (MSK): what IAM signs its token for. */
  readonly region?: string;
}

/** Brokers (or the MSK cluster to look them up for) + TLS/auth material references. */
export interface ConnectionSpec {
  /** Brokers to dial; empty: looked up for `clusterArn`. */
  readonly brokers: readonly string[];
  /** MSK cluster whose bootstrap brokers (the auth type's broker string) are dialed when `brokers` is empty. */
  readonly clusterArn?: string;
  /** Names the source in messages. */
  readonly sourceName?: string;
  /** TLS on (true for SSL / SASL_SSL listeners). */
  readonly tls: boolean;
  readonly truststore: TruststoreSpec;
  readonly auth: AuthSpec;
  readonly clientId?: string;
}

/**
 * Where material is fetched from (S3 GetObject, Secrets Manager GetSecretValue, the bundle's files), the
 * MSK bootstrap brokers (GetBootstrapBrokers) and, for IAM, the credentials that sign the token (default:
 * the SDK's default credential chain).
 */
export interface MaterialPorts {
  getObjectText(bucket: string, key: string): Promise<string>;
  getSecretString(secretId: string): Promise<string>;
  readFileText(path: string): Promise<string>;
  getBootstrapBrokers?(clusterArn: string): Promise<BootstrapBrokers>;
  readonly iamCredentials?: () => Promise<AwsCredentialsLike>;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Counts the certificates of a PEM bundle. */
export function countPemCertificates(pem: string): number {
  return pem.match(PEM_CERT)?.length ?? 0;
}

function parseJsonSecret(text: string, secretId: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    if (text.trimStart().startsWith('{')) {
      throw new NonRetriableError(`secret ${secretId} is not valid JSON`);
    }
    return null;
  }
}

/**
 * Decrypts an (optionally encrypted) PKCS#8/PKCS#1 PEM key into unencrypted PKCS#8 PEM held in memory,
 * so TLS never sees a passphrase and a wrong password fails here with a clear message. Works for PBES1
 * (pbeWithSHA1And3-KeyTripleDES-CBC, what Pipes accepts) and PBES2 keys.
 */
export function decryptPrivateKey(pem: string, passphrase: string | undefined, secretId: string): string {
  const encrypted = pem.includes('ENCRYPTED PRIVATE KEY') || pem.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && !passphrase) {
    throw new NonRetriableError(
      `client private key in secret ${secretId} is encrypted but privateKeyPassword is missing`,
    );
  }
  try {
    const key = createPrivateKey(
      encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' },
    );
    return key.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (error) {
    throw new NonRetriableError(
      `client private key in secret ${secretId} could not be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function loadTruststore(spec: TruststoreSpec, ports: MaterialPorts): Promise<string | undefined> {
  let pem: string;
  let where: string;
  try {
    switch (spec.type) {
      case 'default':
        return undefined;
      case 's3':
        where = `s3://${spec.bucket}/${spec.key}`;
        pem = await ports.getObjectText(spec.bucket, spec.key);
        break;
      case 'secret': {
        where = `secret ${spec.secret}`;
        const text = await ports.getSecretString(spec.secret);
        const json = parseJsonSecret(text, spec.secret);
        pem = json ? String(json.certificate ?? '') : text;
        break;
      }
      case 'file':
        where = `file ${spec.path}`;
        pem = await ports.readFileText(spec.path);
        break;
    }
  } catch (error) {
    if (error instanceof NonRetriableError) throw error;
    throw new RetriableError(`could not load the truststore: ${(error as Error).message}`, { cause: error });
  }
  if (countPemCertificates(pem) === 0) {
    throw new NonRetriableError(`truststore ${where} holds no PEM certificate`);
  }
  return pem;
}

async function secretJson(ports: MaterialPorts, secretId: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await ports.getSecretString(secretId);
  } catch (error) {
    throw new RetriableError(`could not read secret ${secretId}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const json = parseJsonSecret(text, secretId);
  if (!json) throw new NonRetriableError(`secret ${secretId} must be a JSON object`);
  return json;
}

/** Reads the fields of a secret's JSON; a missing field is a NonRetriableError naming the secret. */
function secretFields(json: Record<string, unknown>, secretId: string): SecretFieldReader {
  const optional = (field: string) => {
    const v = json[field];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  return {
    optional,
    required: (field) => {
      const v = optional(field);
      if (v === undefined) throw new NonRetriableError(`secret ${secretId} has no "${field}" string`);
      return v;
    },
  };
}

/**
 * Resolves a connection spec into a KafkaConnection: truststore from S3 / Secrets Manager / a bundled
 * file, and what the auth type's module reads from its secret (`pipes/kinds/auth/`): a client certificate +
 * key from `{certificate, privateKey, privateKeyPassword?}` (encrypted keys are decrypted in memory),
 * SASL credentials from `{username, password}`, or (IAM) an OAUTHBEARER token provider for the cluster's Region;
 * for an MSK cluster without `brokers`, its bootstrap brokers for the auth type (GetBootstrapBrokers).
 * `rejectUnauthorized` stays true (core/kafka/client.ts).
 */
export async function resolveKafkaConnection(
  spec: ConnectionSpec,
  ports: MaterialPorts,
): Promise<KafkaConnection> {
  const auth = authKind(spec.auth.type);
  if (!auth.client.supported) {
    throw new NonRetriableError(`${auth.type} authentication is not supported: ${auth.client.reason}`);
  }
  if (!spec.tls && auth.requiresTls) throw new NonRetriableError(`${auth.type} authentication needs TLS`);
  const brokers = spec.brokers.length > 0 ? [...spec.brokers] : await lookedUpBrokers(spec, ports);
  const ca = spec.tls ? await loadTruststore(spec.truststore, ports) : undefined;
  const base: KafkaConnection = {
    brokers,
    clientId: spec.clientId ?? 'kafka-pipes-poller',
    ...(spec.tls ? { tls: { ...(ca ? { ca } : {}) } } : {}),
  };
  const secretId = auth.secret ? spec.auth.secret : undefined;
  if (auth.secret && !secretId) throw new NonRetriableError(`${auth.type} authentication needs a secret`);
  const fields = secretId ? secretFields(await secretJson(ports, secretId), secretId) : undefined;
  const { sasl, clientCertificate } = auth.client.clientAuth(fields, clientAuthContext(spec.auth, ports));
  if (!clientCertificate) return { ...base, ...(sasl ? { sasl } : {}) };
  const { cert, passphrase } = clientCertificate;
  const key = decryptPrivateKey(clientCertificate.key, passphrase, secretId as string);
  return { ...base, tls: { ...base.tls, cert, key }, ...(sasl ? { sasl } : {}) };
}

function clientAuthContext(spec: AuthSpec, ports: MaterialPorts): ClientAuthContext {
  return {
    ...(spec.region ? { region: spec.region } : {}),
    ...(ports.iamCredentials ? { credentials: ports.iamCredentials } : {}),
  };
}

/**
 * The bootstrap brokers of the spec's MSK cluster for its auth type (the broker string its auth module
 * names). A cluster without that string is a NonRetriableError naming the field and the fix; a failed
 * lookup (network, throttling, permissions) is retried.
 */
async function lookedUpBrokers(spec: ConnectionSpec, ports: MaterialPorts): Promise<string[]> {
  const where = `source ${spec.sourceName ?? spec.clientId ?? '<poller>'}`;
  if (!spec.clusterArn) {
    throw new ConfigError(`${where}: brokers: no brokers. Fix: list host:port brokers in the source file`, [
      {
        file: where,
        field: 'brokers',
        message: 'no brokers',
        fix: 'list host:port brokers in the source file',
      },
    ]);
  }
  const auth = authKind(spec.auth.type);
  const { getBootstrapBrokers } = ports;
  if (!auth.mskBootstrap || !getBootstrapBrokers) {
    throw new NonRetriableError(
      `${where}: brokers: auth type ${auth.type} has no MSK bootstrap broker string to look up. Fix: list host:port brokers in the source file`,
    );
  }
  const context = { file: where, clusterArn: spec.clusterArn, authType: auth.type };
  try {
    return await lookupBootstrapBrokers((arn) => getBootstrapBrokers(arn), auth.mskBootstrap, context);
  } catch (error) {
    if (error instanceof MissingBootstrapBrokersError) throw new NonRetriableError(error.message);
    throw new RetriableError(
      `could not look up the bootstrap brokers of ${spec.clusterArn} (kafka:GetBootstrapBrokers): ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/**
 * Caches resolved connections across warm invocations (module scope in the handler) for `ttlMs`, so
 * certificates and secrets are fetched once per container, and re-fetched after rotation.
 */
export function createConnectionCache(ttlMs: number, nowMs: () => number = Date.now) {
  const entries = new Map<string, { at: number; value: Promise<KafkaConnection> }>();
  return {
    get(spec: ConnectionSpec, ports: MaterialPorts): Promise<KafkaConnection> {
      const key = JSON.stringify(spec);
      const hit = entries.get(key);
      if (hit && nowMs() - hit.at < ttlMs) return hit.value;
      const value = resolveKafkaConnection(spec, ports);
      entries.set(key, { at: nowMs(), value });
      value.catch(() => entries.delete(key));
      return value;
    },
    clear(): void {
      entries.clear();
    },
  };
}
