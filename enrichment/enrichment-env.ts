import * as z from 'zod/mini';
import { ConfigError, type ConfigIssue, formatIssues } from '../core/errors.js';
import { KINESIS_RECORD_LIMIT_BYTES } from './constants.js';
import type { TargetLimits } from './enrich-batch.js';
import {
  type FormatSettings,
  fallbackSettings,
  findSchemaLanguage,
  isKeyFormatName,
  isValueFormatName,
  KEY_FORMAT_NAMES,
  type KeyFormatName,
  registrySettings,
  VALUE_FORMAT_NAMES,
  type ValueFormatName,
} from './formats/registry.js';
import { type PartitionKeySpec, parsePartitionKeySpec } from './partition-key.js';
import './zod.js';

/** Default cache TTL of the AppConfig rules document, seconds. */
export const DEFAULT_RULES_CACHE_TTL_SECONDS = 45;

/** Validated environment of the enrichment Lambda. */
export interface EnrichmentEnv {
  readonly sourceName: string;
  readonly dlqUrl: string;
  readonly partitionKey: PartitionKeySpec;
  /** AppConfig coordinates; absent = bundled rules only. */
  readonly appConfig?: {
    readonly application: string;
    readonly environment: string;
    readonly profile: string;
  };
  readonly rulesCacheTtlSeconds: number;
  /** How values and keys are decoded (formats/registry.ts); default JSON values, text keys. */
  readonly formats: {
    readonly value: FormatSettings<ValueFormatName>;
    readonly key: FormatSettings<KeyFormatName>;
  };
  /** What the Pipe's target takes in one invocation (TARGET_MAX_*); absent when TARGET_MAX_RECORDS is not set. */
  readonly targetLimits?: TargetLimits;
}

const BYTES_MESSAGE = 'must be a whole number of bytes from 1 to 6291456';
const byteCount = z.optional(
  z.string().check(
    z.regex(/^[1-9]\d{0,6}$/, BYTES_MESSAGE),
    z.refine((v) => Number(v) <= 6_291_456, BYTES_MESSAGE),
  ),
);
const RECORDS_MESSAGE = 'must be a whole number of records from 1 to 10000';
const recordCount = z.optional(
  z.string().check(
    z.regex(/^[1-9]\d{0,4}$/, RECORDS_MESSAGE),
    z.refine((v) => Number(v) <= 10_000, RECORDS_MESSAGE),
  ),
);

/** TARGET_MAX_RECORDS, _RECORD_BYTES, _REQUEST_BYTES, _PAYLOAD_BYTES as limits (record bytes default 1 MiB). */
function targetLimitsOf(e: {
  TARGET_MAX_RECORDS?: string | undefined;
  TARGET_MAX_RECORD_BYTES?: string | undefined;
  TARGET_MAX_REQUEST_BYTES?: string | undefined;
  TARGET_MAX_PAYLOAD_BYTES?: string | undefined;
}): TargetLimits | undefined {
  if (e.TARGET_MAX_RECORDS === undefined) return undefined;
  return {
    maxRecords: Number(e.TARGET_MAX_RECORDS),
    maxRecordBytes: Number(e.TARGET_MAX_RECORD_BYTES ?? KINESIS_RECORD_LIMIT_BYTES),
    ...(e.TARGET_MAX_REQUEST_BYTES ? { maxRequestBytes: Number(e.TARGET_MAX_REQUEST_BYTES) } : {}),
    ...(e.TARGET_MAX_PAYLOAD_BYTES ? { maxPayloadBytes: Number(e.TARGET_MAX_PAYLOAD_BYTES) } : {}),
  };
}

const TTL_MESSAGE = 'must be a whole number of seconds between 0 and 3600';
const ttlSchema = z.optional(
  z.string().check(
    z.regex(/^\d{1,4}$/, TTL_MESSAGE),
    z.refine((v) => Number(v) <= 3600, TTL_MESSAGE),
  ),
);
const optionalName = z.optional(z.string().check(z.minLength(1)));
const formatName = (names: readonly string[], isName: (v: string) => boolean) =>
  z.optional(z.string().check(z.refine(isName, `must be one of ${names.join(', ')}`)));
/** A JSON-encoded setting (VALUE_REGISTRY …), validated with the registry's own settings schema. */
const jsonSetting = <T>(schema: z.ZodMiniType<T>, what: string) =>
  z.optional(
    z.string().check(
      z.refine((v) => {
        try {
          return schema.safeParse(JSON.parse(v)).success;
        } catch {
          return false;
        }
      }, `must be ${what} as JSON (the source file's block, as the construct writes it)`),
    ),
  );
const fallbackSetting = z.optional(
  z.string().check(
    z.refine((v) => {
      try {
        return fallbackSettings.safeParse(v === 'json' || v === 'dlq' ? v : JSON.parse(v)).success;
      } catch {
        return false;
      }
    }, 'must be json, dlq, or a registry block as JSON'),
  ),
);

function formatSettingsOf<N extends string>(
  format: N,
  registry: string | undefined,
  fallback: string | undefined,
): FormatSettings<N> {
  return {
    format,
    ...(registry ? { registry: registrySettings.parse(JSON.parse(registry)) } : {}),
    ...(fallback
      ? {
          fallback: fallbackSettings.parse(
            fallback === 'json' || fallback === 'dlq' ? fallback : JSON.parse(fallback),
          ),
        }
      : {}),
  };
}

const envSchema = z.object({
  SOURCE_NAME: z
    .string()
    .check(z.regex(/^[a-z0-9-]{1,64}$/, 'must be the source name ([a-z0-9-], 1–64 characters)')),
  DLQ_URL: z.url('must be the enrichment DLQ queue URL'),
  PARTITION_KEY: z
    .string()
    .check(
      z.refine(
        (v) => parsePartitionKeySpec(v) !== null,
        'must be record-key, topic-partition or field:<path>',
      ),
    ),
  RULES_APPCONFIG_APPLICATION: optionalName,
  RULES_APPCONFIG_ENVIRONMENT: optionalName,
  RULES_APPCONFIG_PROFILE: optionalName,
  RULES_CACHE_TTL_SECONDS: ttlSchema,
  VALUE_FORMAT: formatName(VALUE_FORMAT_NAMES, isValueFormatName),
  VALUE_REGISTRY: jsonSetting(registrySettings, 'a registry block'),
  VALUE_FALLBACK: fallbackSetting,
  KEY_FORMAT: formatName(KEY_FORMAT_NAMES, isKeyFormatName),
  KEY_REGISTRY: jsonSetting(registrySettings, 'a registry block'),
  TARGET_MAX_RECORDS: recordCount,
  TARGET_MAX_RECORD_BYTES: byteCount,
  TARGET_MAX_REQUEST_BYTES: byteCount,
  TARGET_MAX_PAYLOAD_BYTES: byteCount,
});

const withTargetLimits = (limits: TargetLimits | undefined) => (limits ? { targetLimits: limits } : {});

function issueOf(env: Record<string, string | undefined>, name: string, message: string): ConfigIssue {
  const value = env[name];
  return {
    file: '<env>',
    field: name,
    message: `${value === undefined ? 'is not set' : `${message}, received ${JSON.stringify(value)}`}`,
    fix: value === undefined ? `set ${name}` : `fix ${name}`,
  };
}

function ttlSeconds(text: string | undefined): number {
  return text === undefined ? DEFAULT_RULES_CACHE_TTL_SECONDS : Number(text);
}

/**
 * Reads RULES_CACHE_TTL_SECONDS (how long the AppConfig rules and the HMAC key are cached; default
 * 45). Both Lambda handlers read it. Throws ConfigError when it is not a whole number from 0 to 3600.
 */
export function readRulesCacheTtlSeconds(env: Record<string, string | undefined>): number {
  const parsed = ttlSchema.safeParse(env.RULES_CACHE_TTL_SECONDS);
  if (parsed.success) return ttlSeconds(parsed.data);
  const issues = [issueOf(env, 'RULES_CACHE_TTL_SECONDS', TTL_MESSAGE)];
  throw new ConfigError(`Invalid environment:\n${formatIssues(issues)}`, issues);
}

/** A schema-language format needs its registry; a self-describing one takes none. */
function registryIssues(env: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const side of ['VALUE', 'KEY'] as const) {
    const format = env[`${side}_FORMAT`];
    const registry = env[`${side}_REGISTRY`];
    const framed = format !== undefined && findSchemaLanguage(format) !== undefined;
    if (framed && !registry) {
      issues.push({
        file: '<env>',
        field: `${side}_REGISTRY`,
        message: `is not set, but ${side}_FORMAT=${format} reads registry-framed records`,
        fix: `set ${side}_REGISTRY to the registry block as JSON`,
      });
    }
    if (!framed && (registry || (side === 'VALUE' && env.VALUE_FALLBACK))) {
      issues.push({
        file: '<env>',
        field: registry ? `${side}_REGISTRY` : 'VALUE_FALLBACK',
        message: `is set, but ${side}_FORMAT=${format ?? '(default)'} reads no registry`,
        fix: `remove it, or set ${side}_FORMAT to a schema format`,
      });
    }
  }
  return issues;
}

/**
 * Reads and validates the Lambda environment once (at init). Throws ConfigError naming every bad
 * variable, so a misconfigured function fails at start, not on data.
 */
export function readEnrichmentEnv(env: Record<string, string | undefined>): EnrichmentEnv {
  const parsed = envSchema.safeParse(env);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push(issueOf(env, String(i.path[0]), i.message));
  }
  const appConfigVars = [
    'RULES_APPCONFIG_APPLICATION',
    'RULES_APPCONFIG_ENVIRONMENT',
    'RULES_APPCONFIG_PROFILE',
  ] as const;
  const set = appConfigVars.filter((n) => env[n] !== undefined && env[n] !== '');
  if (set.length > 0 && set.length < appConfigVars.length) {
    issues.push({
      file: '<env>',
      field: appConfigVars.filter((n) => !set.includes(n)).join(','),
      message: 'is not set, but the other RULES_APPCONFIG_* variables are',
      fix: 'set all three RULES_APPCONFIG_* variables or none',
    });
  }
  issues.push(...registryIssues(env));
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(`Invalid enrichment environment:\n${formatIssues(issues)}`, issues);
  }
  const e = parsed.data;
  return {
    sourceName: e.SOURCE_NAME,
    dlqUrl: e.DLQ_URL,
    partitionKey: parsePartitionKeySpec(e.PARTITION_KEY) as PartitionKeySpec,
    ...(e.RULES_APPCONFIG_APPLICATION && e.RULES_APPCONFIG_ENVIRONMENT && e.RULES_APPCONFIG_PROFILE
      ? {
          appConfig: {
            application: e.RULES_APPCONFIG_APPLICATION,
            environment: e.RULES_APPCONFIG_ENVIRONMENT,
            profile: e.RULES_APPCONFIG_PROFILE,
          },
        }
      : {}),
    rulesCacheTtlSeconds: ttlSeconds(e.RULES_CACHE_TTL_SECONDS),
    formats: {
      value: formatSettingsOf(
        (e.VALUE_FORMAT ?? 'json') as ValueFormatName,
        e.VALUE_REGISTRY,
        e.VALUE_FALLBACK,
      ),
      key: formatSettingsOf((e.KEY_FORMAT ?? 'text') as KeyFormatName, e.KEY_REGISTRY, undefined),
    },
    ...withTargetLimits(targetLimitsOf(e)),
  };
}
