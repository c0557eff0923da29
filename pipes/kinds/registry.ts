/**
 * The registry of kinds: every auth type, source kind and target type is one module listed here (the
 * auth types in `pipes/kinds/auth-registry.ts`, re-exported below), and the rest of the code dispatches
 * through these lists and lookups instead of switching on kind strings.
 *
 * Adding a kind is one module (see `pipes/kinds/types.ts` for what it provides) plus one line in its
 * list; the source-file schema (`pipes/source-schema.ts`), its JSON Schema, the cross-field rules, the
 * service rules, the Pipe constructs and the poller's Kafka connection follow, and the modules carry what
 * the CLI needs (secret material, client options, replay). Target types differ in their CDK resources
 * (the stream itself, or a sink Lambda with its DLQ), so each also has its construct code in
 * `pipes/kinds/targets/<type>.construct.ts`, listed in `pipes/kinds/targets.construct.ts` (constructs are
 * not runtime-safe, so they stay out of this file).
 *
 * Runtime-safe: the CLI and the poller's runtime config (fallback-poller/runtime-config.ts) import this
 * file; the poller Lambda itself imports only `auth-registry.ts`.
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../core/errors.js';
import type { KafkaEventSource } from '../../enrichment/kafka-event.js';
import { POLLER_RULES } from '../../fallback-poller/poller-limits.js';
import { recordFormatsRules } from '../record-formats.js';
import { secretArnRule } from '../secret-refs.js';
import type { SourceConfig } from '../source-schema.js';
import { AUTH_KINDS, authKind, findAuthKind } from './auth-registry.js';
import { arnLocation } from './rule-helpers.js';
import { mskKind } from './sources/msk.js';
import { mskServerlessKind } from './sources/msk-serverless.js';
import { selfManagedKind } from './sources/self-managed.js';
import { firehoseTarget } from './targets/firehose.js';
import { kinesisTarget } from './targets/kinesis.js';
import { lambdaTarget } from './targets/lambda.js';
import type {
  AuthKind,
  ClientAuthContext,
  KafkaClientAuth,
  RuleContext,
  SecretFieldReader,
  ServiceRule,
  SourceKindModule,
  TargetKind,
} from './types.js';

export {
  AUTH_KINDS,
  AUTH_TYPES,
  type AuthType,
  authKind,
  CLIENT_AUTH_KINDS,
  DEFAULT_AUTH_TYPE,
  findAuthKind,
} from './auth-registry.js';

/** Source kinds. */
export const SOURCE_KIND_MODULES = [
  selfManagedKind,
  mskKind,
  mskServerlessKind,
] as const satisfies readonly SourceKindModule[];

/** Target types. */
export const TARGET_KINDS = [
  kinesisTarget,
  lambdaTarget,
  firehoseTarget,
] as const satisfies readonly TargetKind[];

/** A Kafka deployment kind (`kind`). */
export type SourceKind = (typeof SOURCE_KIND_MODULES)[number]['kind'];
/** A target type (`target.type`). */
export type TargetType = (typeof TARGET_KINDS)[number]['type'];

/** Every source kind (for `z.enum`). */
export const SOURCE_KINDS = SOURCE_KIND_MODULES.map((k) => k.kind) as unknown as readonly [
  SourceKind,
  ...SourceKind[],
];
/** Every target type. */
export const TARGET_TYPES = TARGET_KINDS.map((k) => k.type) as unknown as readonly [
  TargetType,
  ...TargetType[],
];

type TargetSchema = (typeof TARGET_KINDS)[number]['schema'];

/** The `target` block of the source file: one member per target type. */
export const targetSchema = z.discriminatedUnion(
  'type',
  TARGET_KINDS.map((k) => k.schema) as unknown as [TargetSchema, ...TargetSchema[]],
);

const byKey = <T, K extends keyof T>(list: readonly T[], key: K) =>
  new Map<unknown, T>(list.map((item) => [item[key], item]));
const SOURCES = byKey<SourceKindModule, 'kind'>(SOURCE_KIND_MODULES, 'kind');
const TARGETS = byKey<TargetKind, 'type'>(TARGET_KINDS, 'type');

/** The module of a source kind, or undefined for a value that is not one. */
export function findSourceKind(kind: unknown): SourceKindModule | undefined {
  return SOURCES.get(kind);
}
/** The module of a target type, or undefined for a value that is not one. */
export function findTargetKind(type: unknown): TargetKind | undefined {
  return TARGETS.get(type);
}

function known<T>(found: T | undefined, what: string, value: string, all: readonly string[]): T {
  if (found === undefined) throw new Error(`Unknown ${what} "${value}": use one of ${all.join(', ')}`);
  return found;
}
/** The module of a source kind. @throws Error for an unknown kind. */
export function sourceKind(kind: string): SourceKindModule {
  return known(findSourceKind(kind), 'source kind', kind, SOURCE_KINDS);
}
/** The module of a target type. @throws Error for an unknown type. */
export function targetKind(type: string): TargetKind {
  return known(findTargetKind(type), 'target type', type, TARGET_TYPES);
}

/** Auth types each source kind accepts. */
export const AUTH_BY_KIND: Readonly<Record<SourceKind, readonly string[]>> = Object.fromEntries(
  SOURCE_KIND_MODULES.map((k) => [k.kind, k.authTypes]),
) as Record<SourceKind, readonly string[]>;

/**
 * The packages other auth types' Kafka clients load (`clientPackages`), which a source's poller bundle
 * leaves out (esbuild externals): its own auth type never imports them.
 *
 * @example unusedClientPackages({ auth: { type: 'mtls' } }) // ['aws-msk-iam-sasl-signer-js']
 */
export function unusedClientPackages(source: { readonly auth: { readonly type: string } }): string[] {
  const used = new Set(findAuthKind(source.auth.type)?.clientPackages ?? []);
  return AUTH_KINDS.flatMap((k) => k.clientPackages ?? []).filter((p) => !used.has(p));
}

/** What a Kafka client of a source needs to know, from its kind and auth modules. */
export interface KafkaClientSettings {
  /** The Pipe event's `eventSource`. */
  readonly eventSource: KafkaEventSource;
  /** The cluster identity in event ids (bootstrap servers, or the cluster ARN). */
  readonly cluster: string;
  /** TLS on: the auth type or the kind implies it, or the source names trust material. */
  readonly tls: boolean;
  /** The auth module. */
  readonly auth: AuthKind;
  /** Region of the cluster, from its ARN (MSK kinds); IAM tokens are signed for it. */
  readonly region?: string;
}

/**
 * The Kafka client settings of a source.
 * @param hasTrustMaterial the source names a root CA or truststore (a private CA means TLS).
 */
export function kafkaClientSettings(
  source: Pick<SourceConfig, 'kind' | 'brokers' | 'clusterArn' | 'auth'>,
  hasTrustMaterial: boolean,
): KafkaClientSettings {
  const kind = sourceKind(source.kind);
  const auth = authKind(source.auth.type);
  const region = source.clusterArn ? arnLocation(source.clusterArn)?.region : undefined;
  return {
    eventSource: kind.eventSource,
    cluster: kind.clusterIdentity(source),
    tls: auth.tlsByDefault || kind.tlsByDefault || hasTrustMaterial,
    auth,
    ...(region ? { region } : {}),
  };
}

/**
 * The SASL / TLS client certificate options of an auth type, from its secret's fields and, for IAM, the
 * cluster's Region.
 * @throws Error when the project's Kafka client cannot use the auth type (the module says why).
 */
export function clientAuthOf(
  type: string,
  secret: SecretFieldReader | undefined,
  context: ClientAuthContext = {},
): KafkaClientAuth {
  const auth = authKind(type);
  if (!auth.client.supported) {
    throw new Error(`auth type ${type} cannot be used by the Kafka client: ${auth.client.reason}`);
  }
  return auth.client.clientAuth(auth.secret ? secret : undefined, context);
}

/**
 * The AWS service rules that apply to a source: its kind's, its auth type's, its target type's, those of
 * the schema formats and registries it decodes records with, the poller engine's (Step Functions), and the
 * full ARN of every secret it names (pipes/secret-refs.ts).
 */
export function serviceRulesOf(
  source: Pick<SourceConfig, 'kind' | 'auth' | 'target'> & Partial<Pick<SourceConfig, 'value' | 'key'>>,
): ServiceRule[] {
  return [
    ...(findSourceKind(source.kind)?.rules ?? []),
    ...(findAuthKind(source.auth.type)?.rules ?? []),
    ...(findTargetKind(source.target.type)?.rules ?? []),
    ...recordFormatsRules(source),
    ...POLLER_RULES,
    secretArnRule,
  ];
}

/**
 * Runs every applicable service rule on a validated source; for a caller that only reads the source
 * (`context.readOnly`), those that concern only what is deployed are left out.
 */
export function checkServiceRules(source: SourceConfig, context: RuleContext): ConfigIssue[] {
  return serviceRulesOf(source)
    .filter((rule) => !(context.readOnly && rule.deployOnly))
    .flatMap((rule) => rule.check(source, context));
}
