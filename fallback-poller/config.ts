import * as z from 'zod/mini';
import { ConfigError, type ConfigIssue, formatIssues } from '../core/errors.js';
import { OFFSET_RESET_POLICIES } from '../core/kafka/start-offset.js';
import {
  FALLBACK_NAMES,
  KEY_FORMAT_NAMES,
  registrySettings,
  VALUE_FORMAT_NAMES,
} from '../enrichment/formats/registry.js';
import { KAFKA_EVENT_SOURCE } from '../enrichment/kafka-event.js';
import { parsePartitionKeySpec } from '../enrichment/partition-key.js';
import '../enrichment/zod.js';
import { CLIENT_AUTH_KINDS } from '../pipes/kinds/auth-registry.js';

/** Environment variable holding the source's poller settings (JSON, written by the construct). */
export const POLLER_CONFIG_ENV = 'POLLER_CONFIG';

const secretRef = z.string().check(z.minLength(1));
const nonEmpty = () => z.string().check(z.minLength(1));
const wholeNumber = (min: number, max: number) => z.number().check(z.int(), z.gte(min), z.lte(max));

/**
 * The poller's `auth`: an auth type its Kafka client supports (`pipes/kinds/auth-registry.ts`), with
 * `secret` exactly when the type reads one, and the cluster's Region for MSK sources (IAM tokens are signed
 * for it).
 */
const authSchema = z
  .strictObject({
    type: z.enum(CLIENT_AUTH_KINDS.map((k) => k.type) as [string, ...string[]]),
    secret: z.optional(secretRef),
    region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/))),
  })
  .check(
    z.superRefine((auth, ctx) => {
      const readsSecret = CLIENT_AUTH_KINDS.find((k) => k.type === auth.type)?.secret !== undefined;
      if (readsSecret !== (auth.secret !== undefined)) {
        ctx.issues.push({
          code: 'custom',
          input: auth,
          path: ['secret'],
          message: readsSecret
            ? `auth type ${auth.type} needs its secret`
            : `auth type ${auth.type} takes no secret`,
        });
      }
    }),
  );

/**
 * Runtime settings of a poller Lambda (one source), validated at init. `zod/mini` keeps the Lambda
 * bundle small (bench/lambdas.bench.ts measures it; test/unit/poller/bundle.test.ts guards it).
 */
export const pollerRuntimeSchema = z
  .strictObject({
    sourceName: z.string().check(z.regex(/^[a-z0-9-]{1,64}$/)),
    topic: nonEmpty(),
    groupId: nonEmpty(),
    startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
    offsetReset: z.optional(z.enum(OFFSET_RESET_POLICIES)),
    eventSource: z.enum([KAFKA_EVENT_SOURCE.selfManaged, KAFKA_EVENT_SOURCE.msk]),
    /** Bootstrap servers (comma separated) or the MSK cluster ARN: the cluster identity in eventIds. */
    cluster: nonEmpty(),
    /** Brokers to dial; absent: looked up with GetBootstrapBrokers on `clusterArn` (MSK kinds). */
    brokers: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z0-9.-]+:\d{1,5}$/))).check(z.minLength(1))),
    clusterArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\//))),
    tls: z.boolean(),
    truststore: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('s3'), bucket: z.string().check(z.minLength(3)), key: nonEmpty() }),
      z.strictObject({ type: z.literal('secret'), secret: secretRef }),
      z.strictObject({ type: z.literal('file'), path: nonEmpty() }),
      z.strictObject({ type: z.literal('default') }),
    ]),
    auth: authSchema,
    partitionKey: z
      .string()
      .check(
        z.refine(
          (v) => parsePartitionKeySpec(v) !== null,
          'must be record-key, topic-partition or field:<path>',
        ),
      ),
    /** Where the canonical records go: the data-lake Kinesis stream, or a Firehose stream (exactly one). */
    streamName: z.optional(nonEmpty()),
    deliveryStreamName: z.optional(nonEmpty()),
    dlqUrl: z.url(),
    lockTable: z.string().check(z.minLength(3)),
    maxRecordsPerInvocation: wholeNumber(1, 100_000),
    lockTtlSeconds: wholeNumber(10, 3_600),
    idleWaitMs: z.optional(wholeNumber(0, 30_000)),
    safetyMarginMs: z.optional(wholeNumber(0, 120_000)),
    kinesisMaxAttempts: z.optional(wholeNumber(1, 20)),
    /** Minutes a resolved connection (certificates, secrets) stays cached in a warm container. */
    materialCacheMinutes: z.optional(wholeNumber(0, 1_440)),
    /** How values are decoded (the source's `value` block); absent = JSON. */
    value: z.optional(
      z.strictObject({
        format: z.enum(VALUE_FORMAT_NAMES),
        registry: z.optional(registrySettings),
        fallback: z.optional(z.union([z.enum(FALLBACK_NAMES), registrySettings])),
      }),
    ),
    /** How keys are decoded (the source's `key` block); absent = text. */
    key: z.optional(
      z.strictObject({ format: z.enum(KEY_FORMAT_NAMES), registry: z.optional(registrySettings) }),
    ),
    /** AppConfig coordinates of the rules (as the enrichment Lambda uses); absent = bundled default rules. */
    rulesAppConfig: z.optional(
      z.strictObject({
        application: nonEmpty(),
        environment: nonEmpty(),
        profile: nonEmpty(),
      }),
    ),
  })
  .check(
    z.refine((config) => (config.streamName === undefined) !== (config.deliveryStreamName === undefined), {
      message: 'set exactly one of streamName and deliveryStreamName',
      path: ['streamName'],
    }),
    z.refine((config) => config.brokers !== undefined || config.clusterArn !== undefined, {
      message: 'set brokers, or clusterArn to look them up',
      path: ['brokers'],
    }),
  );

/** Validated runtime settings. */
export type PollerRuntimeConfig = z.infer<typeof pollerRuntimeSchema>;

/**
 * Reads POLLER_CONFIG once at init; throws ConfigError listing every problem (field, value, fix), so
 * a misconfigured function fails at start, not halfway through a partition.
 */
export function readPollerEnv(env: Record<string, string | undefined>): PollerRuntimeConfig {
  const raw = env[POLLER_CONFIG_ENV];
  const issue = (field: string, message: string, fix: string): ConfigIssue => ({
    file: '<env>',
    field,
    message,
    fix,
  });
  if (raw === undefined || raw === '') {
    const issues = [
      issue(POLLER_CONFIG_ENV, 'is not set', `set ${POLLER_CONFIG_ENV} (the construct writes it)`),
    ];
    throw new ConfigError(formatIssues(issues), issues);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    const issues = [issue(POLLER_CONFIG_ENV, `is not JSON: ${(error as Error).message}`, 'write valid JSON')];
    throw new ConfigError(formatIssues(issues), issues);
  }
  const parsed = pollerRuntimeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) =>
      issue(
        `${POLLER_CONFIG_ENV}.${i.path.join('.')}`,
        i.message,
        `fix ${POLLER_CONFIG_ENV}.${i.path.join('.')}`,
      ),
    );
    throw new ConfigError(formatIssues(issues), issues);
  }
  return parsed.data;
}
