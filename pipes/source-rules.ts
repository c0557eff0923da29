/**
 * Cross-field and cross-file rules of the source catalogue. They run on the raw parsed YAML (not only on
 * schema-valid input) so that one validation run reports every problem at once.
 */
import type { ConfigIssue } from '../core/errors.js';
import { defaultConsumerGroupId, LIMITS, type SourceKind } from './source-schema.js';

/** Auth types each kind accepts (Pipes credentials union; MSK Serverless is IAM only). */
export const AUTH_BY_KIND: Readonly<Record<SourceKind, readonly string[]>> = {
  'self-managed': ['none', 'sasl-scram-256', 'sasl-scram-512', 'basic', 'mtls'],
  msk: ['none', 'iam', 'mtls', 'sasl-scram-512'],
  'msk-serverless': ['iam'],
};

const AUTH_FIX_BY_KIND: Readonly<Record<SourceKind, string>> = {
  'self-managed': 'use sasl-scram-512, sasl-scram-256, basic or mtls with a secret, or none',
  msk: 'use sasl-scram-512 or mtls with a secret, iam, or none',
  'msk-serverless': 'set auth.type to iam (MSK Serverless only supports IAM authentication)',
};

const SECRET_CONTENT: Readonly<Record<string, string>> = {
  mtls: 'the client certificate secret',
  'sasl-scram-256': 'the username/password secret',
  'sasl-scram-512': 'the username/password secret',
  basic: 'the username/password secret',
};

const SECRET_FIX: Readonly<Record<string, string>> = {
  mtls: 'set auth.secret to the secret holding {"certificate", "privateKey", "privateKeyPassword"?}',
  'sasl-scram-256': 'set auth.secret to the secret holding {"username", "password"}',
  'sasl-scram-512': 'set auth.secret to the secret holding {"username", "password"}',
  basic: 'set auth.secret to the secret holding {"username", "password"}',
};

/** Renders a value for a message: JSON, cut at 80 characters. */
export function formatValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isKind(value: unknown): value is SourceKind {
  return value === 'self-managed' || value === 'msk' || value === 'msk-serverless';
}

/**
 * Rules that relate fields of one source file (kind vs brokers/clusterArn/auth/rootCa/vpc, auth vs secret,
 * engine vs poller, filter sizes). `raw` is the parsed YAML, valid or not.
 */
export function checkSourceRules(raw: unknown, file: string): ConfigIssue[] {
  if (!isRecord(raw)) return [];
  const issues: ConfigIssue[] = [];
  const add = (field: string, message: string, fix: string) => issues.push({ file, field, message, fix });
  const kind = raw.kind;
  const auth = isRecord(raw.auth) ? raw.auth : undefined;
  const authType = auth?.type ?? 'none';

  if (isKind(kind)) {
    if (kind === 'self-managed') {
      if (raw.brokers === undefined) {
        add(
          'brokers',
          'Brokers are required for kind self-managed',
          'list 1-3 bootstrap brokers as host:port',
        );
      }
      if (raw.clusterArn !== undefined) {
        add(
          'clusterArn',
          `Cluster ARN is not allowed for kind self-managed, received ${formatValue(raw.clusterArn)}`,
          'remove clusterArn, or set kind to msk / msk-serverless',
        );
      }
    } else {
      if (raw.brokers !== undefined) {
        add(
          'brokers',
          `Brokers are not allowed for kind ${kind}, received ${formatValue(raw.brokers)}`,
          'remove brokers: Pipes discovers MSK brokers from clusterArn',
        );
      }
      if (raw.clusterArn === undefined) {
        add(
          'clusterArn',
          `Cluster ARN is required for kind ${kind}`,
          'set clusterArn to the MSK cluster ARN, e.g. arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abcd-1234',
        );
      }
      if (raw.rootCaSecret !== undefined) {
        add(
          'rootCaSecret',
          `Root CA secret is not allowed for kind ${kind}, received ${formatValue(raw.rootCaSecret)}`,
          'remove rootCaSecret: MSK broker certificates chain to a public CA',
        );
      }
      if (raw.vpc !== undefined) {
        add(
          'vpc',
          `VPC is not allowed for kind ${kind}, received ${formatValue(raw.vpc)}`,
          "remove vpc: Pipes reaches MSK through the cluster's own subnets and security groups",
        );
      }
    }
    if (typeof authType === 'string' && !AUTH_BY_KIND[kind].includes(authType)) {
      add(
        'auth.type',
        `Auth type "${authType}" is not supported for kind ${kind} (${kind} accepts ${AUTH_BY_KIND[kind].join(', ')})`,
        AUTH_FIX_BY_KIND[kind],
      );
    }
  }

  if (typeof authType === 'string') {
    const needsSecret = SECRET_CONTENT[authType];
    if (needsSecret !== undefined && auth?.secret === undefined) {
      add(
        'auth.secret',
        `Auth type "${authType}" requires auth.secret (${needsSecret})`,
        SECRET_FIX[authType] ?? 'set auth.secret',
      );
    }
    if (
      needsSecret === undefined &&
      auth?.secret !== undefined &&
      (authType === 'none' || authType === 'iam')
    ) {
      add(
        'auth.secret',
        `auth.secret is not used with auth type "${authType}", received ${formatValue(auth.secret)}`,
        'remove auth.secret, or choose an auth type that uses a secret (mtls, sasl-scram-*, basic)',
      );
    }
  }

  const engine = raw.engine ?? 'pipe';
  if (raw.poller !== undefined && engine !== 'poller') {
    add(
      'poller',
      `The poller section requires engine: poller, received engine ${formatValue(engine)}`,
      'set engine: poller, or remove the poller section',
    );
  }
  if (engine === 'poller' && authType === 'iam') {
    add(
      'engine',
      'Engine poller does not support auth type "iam"',
      'use engine: pipe for IAM-authenticated clusters (MSK Serverless, MSK with IAM)',
    );
  }
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

  if (Array.isArray(raw.filters)) {
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
  return issues;
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
