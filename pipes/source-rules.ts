/**
 * Cross-field and cross-file rules of the source catalogue. They run on the raw parsed YAML (not only on
 * schema-valid input) so that one validation run reports every problem at once.
 */
import type { ConfigIssue } from '../core/errors.js';
import { checkFormatRules } from './format-rules.js';
import { formatValue } from './format-value.js';
import { DEFAULT_AUTH_TYPE, findAuthKind, findSourceKind } from './kinds/registry.js';
import type { AddIssue, RawSource } from './kinds/types.js';
import { defaultConsumerGroupId, LIMITS } from './source-schema.js';

export { formatValue } from './format-value.js';
export { AUTH_BY_KIND } from './kinds/registry.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Rules that relate fields of one source file (kind vs brokers/clusterArn/auth/rootCa/vpc, auth vs secret,
 * engine vs poller, filter sizes). `raw` is the parsed YAML, valid or not.
 */
export function checkSourceRules(raw: unknown, file: string): ConfigIssue[] {
  if (!isRecord(raw)) return [];
  const issues: ConfigIssue[] = [];
  const add: AddIssue = (field, message, fix) => issues.push({ file, field, message, fix });
  checkKindRules(raw, add);
  checkAuthSecret(raw, add);
  checkEngineRules(raw, add);
  checkFilterSizes(raw, add);
  checkFormatRules(raw, add);
  return issues;
}

/** The raw `auth.type` (the default when `auth` is absent). */
function rawAuthType(raw: RawSource): unknown {
  return isRecord(raw.auth) ? (raw.auth.type ?? DEFAULT_AUTH_TYPE) : DEFAULT_AUTH_TYPE;
}

/** The kind module's own field rules, then the auth types the kind accepts. */
function checkKindRules(raw: RawSource, add: AddIssue): void {
  const kind = findSourceKind(raw.kind);
  if (!kind) return;
  kind.checkRaw(raw, add);
  const authType = rawAuthType(raw);
  if (typeof authType === 'string' && !kind.authTypes.includes(authType)) {
    add(
      'auth.type',
      `Auth type "${authType}" is not supported for kind ${kind.kind} (${kind.kind} accepts ${kind.authTypes.join(', ')})`,
      kind.authFix,
    );
  }
}

/** `auth.secret` is required by the auth types that read a secret, and refused by the others. */
function checkAuthSecret(raw: RawSource, add: AddIssue): void {
  const auth = findAuthKind(rawAuthType(raw));
  if (!auth) return;
  const secret = isRecord(raw.auth) ? raw.auth.secret : undefined;
  if (auth.secret && secret === undefined) {
    add(
      'auth.secret',
      `Auth type "${auth.type}" requires auth.secret (${auth.secret.content})`,
      auth.secret.fix,
    );
  }
  if (!auth.secret && secret !== undefined) {
    add(
      'auth.secret',
      `auth.secret is not used with auth type "${auth.type}", received ${formatValue(secret)}`,
      `remove auth.secret, or choose an auth type that uses a secret (${SECRET_AUTH_TYPES})`,
    );
  }
}

/** The auth types that read a secret, for messages (`mtls, sasl-scram-*, basic`). */
const SECRET_AUTH_TYPES = 'mtls, sasl-scram-*, basic';

/** The poller section needs engine poller; the poller engine needs an auth type its Kafka client supports. */
function checkEngineRules(raw: RawSource, add: AddIssue): void {
  const engine = raw.engine ?? 'pipe';
  if (raw.poller !== undefined && engine !== 'poller') {
    add(
      'poller',
      `The poller section requires engine: poller, received engine ${formatValue(engine)}`,
      'set engine: poller, or remove the poller section',
    );
  }
  const auth = findAuthKind(rawAuthType(raw));
  if (engine === 'poller' && auth && !auth.client.supported) {
    add('engine', `Engine poller does not support auth type "${auth.type}"`, auth.client.pollerFix);
  }
  if (engine === 'poller') checkPollerEngine(raw, add);
  const poller = isRecord(raw.poller) ? raw.poller : undefined;
  if (poller && typeof poller.lockTtlSeconds === 'number') {
    const timeout = typeof poller.timeoutSeconds === 'number' ? poller.timeoutSeconds : 65;
    if (poller.lockTtlSeconds <= timeout) {
      add(
        'poller.lockTtlSeconds',
        `Lock TTL must be longer than poller.timeoutSeconds (${timeout}), received ${poller.lockTtlSeconds}`,
        `set poller.lockTtlSeconds above ${timeout} so a lock outlives the Lambda that holds it`,
      );
    }
  }
}

/**
 * The command that re-encrypts a PKCS#8 client key with PBES1 (PBE-SHA1-3DES), the encryption EventBridge
 * Pipes accepts; openssl asks for the key's password and then the new one.
 */
export const PBES1_COMMAND = 'openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pbes1.pem';

/**
 * What the fallback poller construct needs of an `engine: poller` source: the poller section (its
 * brokers come from `brokers`, or for MSK kinds from GetBootstrapBrokers on clusterArn).
 */
function checkPollerEngine(raw: RawSource, add: AddIssue): void {
  if (raw.poller === undefined) {
    add(
      'poller',
      'Engine poller requires the poller section (where the poller finds its truststore, which partitions it reads)',
      'add poller: {} (the truststore then comes from rootCaSecret, or the public CAs) or poller.truststore with s3Key, secret or file; `kafka-pipes preflight <source> --write` writes it',
    );
  }
}

/** Each filter pattern within the Pipes pattern size limit. */
function checkFilterSizes(raw: RawSource, add: AddIssue): void {
  if (!Array.isArray(raw.filters)) return;
  raw.filters.forEach((filter, index) => {
    const chars = JSON.stringify(filter ?? null).length;
    if (chars > LIMITS.FILTER_PATTERN_CHARS_MAX) {
      add(
        `filters[${index}]`,
        `Filter pattern is ${chars} characters long; the limit is ${LIMITS.FILTER_PATTERN_CHARS_MAX}`,
        'simplify the pattern or split it into several filters (at most 5)',
      );
    }
  });
}

/** What the catalogue rules need to know about one parsed source. */
export interface CatalogueEntry {
  /** File the source came from. */
  readonly file: string;
  /** Raw parsed YAML (may be invalid). */
  readonly raw: unknown;
}

/**
 * Rules across files: unique names, one consumer group per source, one shard setting per shared stream.
 */
export function checkCatalogueRules(entries: readonly CatalogueEntry[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, string>();
  const groups = new Map<string, { file: string; name: string }>();
  const streams = new Map<string, { file: string; shards: unknown }>();
  for (const { file, raw } of entries) {
    if (!isRecord(raw) || typeof raw.name !== 'string') continue;
    const name = raw.name;
    const firstFile = names.get(name);
    if (firstFile !== undefined) {
      issues.push({
        file,
        field: 'name',
        message: `Name "${name}" is also used by ${firstFile}`,
        fix: 'give each source a unique name (it names the Pipe, its queues and alarms)',
      });
    } else {
      names.set(name, file);
    }
    const group =
      typeof raw.consumerGroupId === 'string' ? raw.consumerGroupId : defaultConsumerGroupId(name);
    const other = groups.get(group);
    if (other !== undefined && firstFile === undefined) {
      issues.push({
        file,
        field: 'consumerGroupId',
        message: `Consumer group "${group}" is also used by source "${other.name}" (${other.file})`,
        fix: 'give each source its own consumerGroupId, or remove it to use kafka-pipes-<name>',
      });
    } else if (other === undefined) {
      groups.set(group, { file, name });
    }
    const target = isRecord(raw.target) ? raw.target : undefined;
    if (target && typeof target.streamName === 'string') {
      const seen = streams.get(target.streamName);
      if (seen === undefined) {
        streams.set(target.streamName, { file, shards: target.shards });
      } else if (seen.shards !== target.shards) {
        issues.push({
          file,
          field: 'target.shards',
          message: `Stream "${target.streamName}" is shared with ${seen.file} which sets shards ${formatValue(seen.shards ?? 'on-demand')}, received ${formatValue(target.shards ?? 'on-demand')}`,
          fix: 'set the same target.shards in every source that names this stream',
        });
      }
    }
  }
  return issues;
}
