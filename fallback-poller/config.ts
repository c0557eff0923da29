import { z } from 'zod';
import { ConfigError, type ConfigIssue, formatIssues } from '../core/errors.js';
import { parsePartitionKeySpec } from '../enrichment/index.js';
import { KAFKA_EVENT_SOURCE } from '../enrichment/kafka-event.js';
import { CLIENT_AUTH_KINDS } from '../pipes/kinds/registry.js';

/** Environment variable holding the source's poller settings (JSON, written by the construct). */
export const POLLER_CONFIG_ENV = 'POLLER_CONFIG';

const secretRef = z.string().min(1);

/**
 * The poller's `auth`: an auth type its Kafka client supports (`pipes/kinds/registry.ts`), with `secret`
 * exactly when the type reads one.
 */
const authSchema = z
  .strictObject({
    type: z.enum(CLIENT_AUTH_KINDS.map((k) => k.type) as [string, ...string[]]),
    secret: secretRef.optional(),
  })
  .superRefine((auth, ctx) => {
    const readsSecret = CLIENT_AUTH_KINDS.find((k) => k.type === auth.type)?.secret !== undefined;
    if (readsSecret !== (auth.secret !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret'],
        message: readsSecret
          ? `auth type ${auth.type} needs its secret`
          : `auth type ${auth.type} takes no secret`,
      });
    }
  });

/** Runtime settings of a poller Lambda (one source), validated at init. */
export const pollerRuntimeSchema = z.strictObject({
  sourceName: z.string().regex(/^[a-z0-9-]{1,64}$/),
  topic: z.string().min(1),
  groupId: z.string().min(1),
  startingPosition: z.enum(['TRIM_HORIZON', 'LATEST']),
  eventSource: z.enum([KAFKA_EVENT_SOURCE.selfManaged, KAFKA_EVENT_SOURCE.msk]),
  /** Bootstrap servers (comma separated) or the MSK cluster ARN: the cluster identity in eventIds. */
  cluster: z.string().min(1),
  brokers: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)).min(1),
  tls: z.boolean(),
  truststore: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('s3'), bucket: z.string().min(3), key: z.string().min(1) }),
    z.strictObject({ type: z.literal('secret'), secret: secretRef }),
    z.strictObject({ type: z.literal('file'), path: z.string().min(1) }),
    z.strictObject({ type: z.literal('default') }),
  ]),
  auth: authSchema,
  partitionKey: z.string().refine((v) => parsePartitionKeySpec(v) !== null, {
    message: 'must be record-key, topic-partition or field:<path>',
  }),
  streamName: z.string().min(1),
  dlqUrl: z.string().url(),
  lockTable: z.string().min(3),
  maxRecordsPerInvocation: z.number().int().min(1).max(100_000),
  lockTtlSeconds: z.number().int().min(10).max(3_600),
  idleWaitMs: z.number().int().min(0).max(30_000).optional(),
  safetyMarginMs: z.number().int().min(0).max(120_000).optional(),
  kinesisMaxAttempts: z.number().int().min(1).max(20).optional(),
  /** Minutes a resolved connection (certificates, secrets) stays cached in a warm container. */
  materialCacheMinutes: z.number().int().min(0).max(1_440).optional(),
  /** AppConfig coordinates of the rules (as the enrichment Lambda uses); absent = bundled default rules. */
  rulesAppConfig: z
    .strictObject({
      application: z.string().min(1),
      environment: z.string().min(1),
      profile: z.string().min(1),
    })
    .optional(),
});

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
