import * as z from 'zod/mini';
import { ConfigError, type ConfigIssue, formatIssues } from '../core/errors.js';
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
}

const TTL_MESSAGE = 'must be a whole number of seconds between 0 and 3600';
const optionalName = z.optional(z.string().check(z.minLength(1)));
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
  RULES_CACHE_TTL_SECONDS: z.optional(
    z.string().check(
      z.regex(/^\d{1,4}$/, TTL_MESSAGE),
      z.refine((v) => Number(v) <= 3600, TTL_MESSAGE),
    ),
  ),
});

/**
 * Reads and validates the Lambda environment once (at init). Throws ConfigError naming every bad
 * variable, so a misconfigured function fails at start, not on data.
 */
export function readEnrichmentEnv(env: Record<string, string | undefined>): EnrichmentEnv {
  const parsed = envSchema.safeParse(env);
  const issues: ConfigIssue[] = [];
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const name = String(i.path[0]);
      const value = env[name];
      issues.push({
        file: '<env>',
        field: name,
        message: `${value === undefined ? 'is not set' : `${i.message}, received ${JSON.stringify(value)}`}`,
        fix: value === undefined ? `set ${name}` : `fix ${name}`,
      });
    }
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
    rulesCacheTtlSeconds:
      e.RULES_CACHE_TTL_SECONDS === undefined
        ? DEFAULT_RULES_CACHE_TTL_SECONDS
        : Number(e.RULES_CACHE_TTL_SECONDS),
  };
}
