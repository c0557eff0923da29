/**
 * Target type `firehose`: the Pipe (or the poller) puts each canonical record into an Amazon Data Firehose
 * stream that writes it to S3 as newline-delimited JSON (the `AppendDelimiterToRecord` processor), GZIP
 * compressed, under a prefix partitioned by source and date; or, with `format: parquet`, converts the
 * records to Parquet through a Glue table whose columns come from the canonical JSON Schema
 * (`glue-columns.ts`, `firehose-parquet.construct.ts`). The stream is named by `deliveryStreamArn`, or the
 * stack creates it with its bucket (`firehose.construct.ts`).
 */
import { z } from 'zod';
import {
  FIREHOSE_BATCH_MAX_RECORDS,
  FIREHOSE_RECORD_MAX_BYTES,
  FIREHOSE_REQUEST_MAX_BYTES,
} from '../../../core/firehose-delivery.js';
import { ruleIssue, targetBatchSizeRule } from '../rule-helpers.js';
import type { RuleContext, ServiceRule, TargetKind } from '../types.js';
import { canonicalGlueColumns } from './glue-columns.js';
import { type LakeTableLayout, lakeTableLayoutOf, piecesOf } from './lake-partitions.js';
import { streamFields } from './stream-fields.js';

/** The Firehose developer guide's page on custom S3 prefixes. */
const PREFIX_DOC = 'https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html';
/** Athena's page on partition projection table properties. */
const PROJECTION_DOC = 'https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html';
/** The Firehose page on buffering with dynamic partitioning. */
const BUFFERING_DOC = 'https://docs.aws.amazon.com/firehose/latest/dev/buffering.html';

export {
  FIREHOSE_BATCH_MAX_RECORDS,
  FIREHOSE_RECORD_MAX_BYTES,
  FIREHOSE_REQUEST_MAX_BYTES,
} from '../../../core/firehose-delivery.js';

/** How objects are partitioned by date: the arrival time (`!{timestamp:…}`), or the record's Kafka timestamp. */
export const FIREHOSE_PARTITIONINGS = ['arrival-date', 'event-date'] as const;

/**
 * The dynamic-partitioning key of `event-date`: `dt`, the date part of the canonical `kafka.timestamp`
 * (a JQ query of the `MetadataExtraction` processor); a record without a timestamp gets `dt=unknown`.
 */
export const EVENT_DATE_QUERY = '{dt: ((.kafka.timestamp // "unknown") | .[0:10])}';
/** The keys {@link EVENT_DATE_QUERY} defines, with the Java date format of their values (`unknown` aside). */
export const EVENT_DATE_FORMATS: Readonly<Record<string, string>> = { dt: 'yyyy-MM-dd' };
const EVENT_DATE_KEYS = Object.keys(EVENT_DATE_FORMATS);

/**
 * What the objects hold: newline-delimited JSON (GZIP), or Parquet (Snappy) converted by Firehose from
 * each JSON record (record format conversion).
 */
export const FIREHOSE_FORMATS = ['json', 'parquet'] as const;

/**
 * The smallest buffering size Firehose takes with record format conversion or dynamic partitioning, as the
 * CDK Firehose module documents it (its README, and `bufferingSize` of its S3 destination props).
 */
export const CONVERSION_MIN_BUFFERING_MIB = 64;
const MIN_BUFFERING_DOC =
  'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_kinesisfirehose.CommonDestinationS3Props.html';

const ARN_PATTERN = /^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[a-zA-Z0-9_.-]{1,64}$/;
const BUCKET_ARN_PATTERN = /^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** The longest Prefix / ErrorOutputPrefix (ExtendedS3DestinationConfiguration). */
const PREFIX_CHARS_MAX = 1024;

/** The settings that only shape a stream the stack creates. */
const STACK_STREAM_FIELDS = ['bucketArn', 'prefix', 'errorOutputPrefix'] as const;

/** The `target` block of a Firehose target (stack-stream settings only without `deliveryStreamArn`). */
export const firehoseTargetSchema = z
  .strictObject({
    type: z.literal('firehose'),
    partitionKey: streamFields.partitionKey,
    deliveryStreamArn: z
      .string()
      .regex(ARN_PATTERN)
      .optional()
      .meta({ description: 'An existing Firehose stream. Absent = the stack creates one writing to S3.' }),
    bucketArn: z
      .string()
      .regex(BUCKET_ARN_PATTERN)
      .optional()
      .meta({ description: 'Existing bucket of the stack-created stream. Absent = the stack creates one.' }),
    partitioning: z.enum(FIREHOSE_PARTITIONINGS).default('arrival-date').meta({
      description:
        'Date partition of the objects: arrival-date (!{timestamp:}) or event-date (Kafka timestamp).',
    }),
    prefix: z.string().min(1).max(PREFIX_CHARS_MAX).optional().meta({
      description: 'S3 prefix of the objects. Default: source=<name>/dt=<date>/.',
    }),
    errorOutputPrefix: z.string().min(1).max(PREFIX_CHARS_MAX).optional().meta({
      description:
        'S3 prefix of records Firehose cannot deliver. Default: errors/source=<name>/<error type>/dt=<date>/.',
    }),
    bufferingIntervalSeconds: z
      .number()
      .int()
      .min(0)
      .max(900)
      .default(300)
      .meta({ description: 'Buffering interval (0-900 s).' }),
    format: z.enum(FIREHOSE_FORMATS).default('json').meta({
      description:
        'Object format: json (GZIP newline-delimited JSON) or parquet (converted through a Glue table).',
    }),
    bufferingSizeMiB: z
      .number()
      .int()
      .min(1)
      .max(128)
      .default(64)
      .meta({ description: 'Buffering size (1-128 MiB).' }),
  })
  .superRefine((target, ctx) => {
    if (!target.deliveryStreamArn) return;
    if (target.format === 'parquet')
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        input: target.format,
        message:
          'parquet only applies to a stream the stack creates (target.deliveryStreamArn names an existing one, whose format is its own)',
      });
    for (const field of STACK_STREAM_FIELDS) {
      if (target[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          input: target[field],
          message:
            'only applies to a stream the stack creates (target.deliveryStreamArn names an existing one)',
        });
    }
  });

/** A Firehose `target` block. */
export type FirehoseTargetConfig = z.infer<typeof firehoseTargetSchema>;

/** The name of a Firehose stream ARN. */
export function deliveryStreamNameOf(arn: string): string {
  return arn.slice(arn.indexOf('/') + 1);
}

/**
 * The name of a source's Firehose stream in an environment: the one `deliveryStreamArn` names, else the
 * stack's `<source>-lake-<environment>` (at most 64 characters).
 */
export function deliveryStreamPhysicalName(
  source: { readonly name: string; readonly target: Pick<FirehoseTargetConfig, 'deliveryStreamArn'> },
  environment: string,
): string {
  const arn = source.target.deliveryStreamArn;
  return arn ? deliveryStreamNameOf(arn) : `${source.name}-lake-${environment}`.slice(0, 64);
}

/** The S3 prefixes of a stack-created stream: the file's, else partitioned by source and date. */
export function firehosePrefixes(
  sourceName: string,
  target: Pick<FirehoseTargetConfig, 'partitioning' | 'prefix' | 'errorOutputPrefix'>,
): { readonly prefix: string; readonly errorOutputPrefix: string } {
  const date =
    target.partitioning === 'event-date' ? '!{partitionKeyFromQuery:dt}' : "!{timestamp:yyyy'-'MM'-'dd}";
  return {
    prefix: target.prefix ?? `source=${sourceName}/dt=${date}/`,
    errorOutputPrefix:
      target.errorOutputPrefix ??
      `errors/source=${sourceName}/!{firehose:error-output-type}/dt=!{timestamp:yyyy'-'MM'-'dd}/`,
  };
}

/**
 * The Glue database and table of a source's Parquet conversion: `<source>_<environment>` (lower case,
 * other characters than letters, digits and `_` as `_`) and `canonical_records`.
 */
export function glueTableNamesOf(
  sourceName: string,
  environment: string,
): { readonly database: string; readonly table: string } {
  const database = `${sourceName}_${environment}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return { database: database.slice(0, 255), table: 'canonical_records' };
}

/**
 * How the Parquet table of a stack-created stream finds its objects: partition columns, Athena partition
 * projection and location template read from the stream's own prefix ({@link firehosePrefixes}), checked
 * against the table's data columns (`lake-partitions.ts`).
 */
export function lakeTableLayout(
  sourceName: string,
  target: Pick<FirehoseTargetConfig, 'partitioning' | 'prefix'>,
): LakeTableLayout {
  const { prefix } = firehosePrefixes(sourceName, target);
  return lakeTableLayoutOf(prefix, {
    dataColumns: canonicalGlueColumns().map((c) => c.name),
    queryKeyFormats: target.partitioning === 'event-date' ? EVENT_DATE_FORMATS : {},
  });
}

/** The `!{namespace:value}` expressions of a prefix. */
function expressionsOf(prefix: string): { namespace: string; value: string }[] {
  return piecesOf(prefix).flatMap((p) => ('namespace' in p ? [p] : []));
}

/** Why one expression is not allowed where it stands, or undefined. */
function expressionProblem(
  e: { namespace: string; value: string },
  inErrorPrefix: boolean,
  dynamic: boolean,
): string | undefined {
  const text = `!{${e.namespace}:${e.value}}`;
  if (e.namespace === 'timestamp') return e.value ? undefined : `${text} has no date-time pattern`;
  if (e.namespace === 'firehose') {
    if (e.value === 'random-string') return undefined;
    if (e.value === 'error-output-type')
      return inErrorPrefix ? undefined : `${text} may only stand in the error output prefix`;
    return `${text} is not a firehose expression (random-string or error-output-type)`;
  }
  if (e.namespace === 'partitionKeyFromQuery') {
    if (inErrorPrefix) return `${text}: dynamic partitioning keys may not stand in the error output prefix`;
    if (!dynamic) return `${text} needs dynamic partitioning (partitioning: event-date)`;
    return EVENT_DATE_KEYS.includes(e.value)
      ? undefined
      : `${text}: the event-date query defines only ${EVENT_DATE_KEYS.join(', ')}`;
  }
  return `${text}: the namespace must be timestamp, firehose or partitionKeyFromQuery`;
}

/** The issues of the two prefixes of a stack-created stream. */
function prefixIssues(source: { name: string; target: FirehoseTargetConfig }, context: RuleContext) {
  const dynamic = source.target.partitioning === 'event-date';
  const { prefix, errorOutputPrefix } = firehosePrefixes(source.name, source.target);
  const issues = [];
  for (const [field, value, inError] of [
    ['target.prefix', prefix, false],
    ['target.errorOutputPrefix', errorOutputPrefix, true],
  ] as const) {
    for (const e of expressionsOf(value)) {
      const problem = expressionProblem(e, inError, dynamic);
      if (problem)
        issues.push(
          ruleIssue(context, field, problem, `write ${field} with the expressions on ${PREFIX_DOC}`),
        );
    }
  }
  const errorExpressions = expressionsOf(errorOutputPrefix);
  if (errorExpressions.length > 0 && !errorExpressions.some((e) => e.value === 'error-output-type')) {
    issues.push(
      ruleIssue(
        context,
        'target.errorOutputPrefix',
        'An error output prefix with expressions must contain !{firehose:error-output-type}',
        'add !{firehose:error-output-type}/ to target.errorOutputPrefix',
      ),
    );
  }
  if (dynamic && !expressionsOf(prefix).some((e) => e.namespace === 'partitionKeyFromQuery')) {
    issues.push(
      ruleIssue(
        context,
        'target.prefix',
        'With dynamic partitioning (partitioning: event-date) the prefix must use a partition key',
        'put !{partitionKeyFromQuery:dt} in target.prefix, or remove target.prefix',
      ),
    );
  }
  return issues;
}

/**
 * A rule: a stack-created stream with a feature that needs {@link CONVERSION_MIN_BUFFERING_MIB} of buffering
 * (record format conversion, dynamic partitioning) has at least that buffering size.
 */
function bufferingSizeRule(
  id: string,
  uses: (target: FirehoseTargetConfig) => boolean,
  feature: string,
  instead: string,
): ServiceRule {
  return {
    id,
    doc: MIN_BUFFERING_DOC,
    check: (source, context) => {
      const target = firehoseOf(source.target);
      if (!target || target.deliveryStreamArn || !uses(target)) return [];
      if (target.bufferingSizeMiB >= CONVERSION_MIN_BUFFERING_MIB) return [];
      return [
        ruleIssue(
          context,
          'target.bufferingSizeMiB',
          `Buffering size ${target.bufferingSizeMiB} MiB is below ${CONVERSION_MIN_BUFFERING_MIB} MiB, the least Firehose takes with ${feature}`,
          `set target.bufferingSizeMiB to ${CONVERSION_MIN_BUFFERING_MIB}-128, or ${instead}`,
        ),
      ];
    },
  };
}

/** The Firehose target of a source, when it has one. */
const firehoseOf = (target: { readonly type: string }): FirehoseTargetConfig | undefined =>
  target.type === firehoseTarget.type ? (target as FirehoseTargetConfig) : undefined;

const rules: readonly ServiceRule[] = [
  targetBatchSizeRule('firehose-target-batch-size', FIREHOSE_BATCH_MAX_RECORDS, 'a Firehose stream target'),
  {
    id: 'firehose-s3-prefix',
    doc: PREFIX_DOC,
    check: (source, context) => {
      const target = firehoseOf(source.target);
      return target && !target.deliveryStreamArn ? prefixIssues({ name: source.name, target }, context) : [];
    },
  },
  {
    id: 'firehose-parquet-partition-projection',
    doc: PROJECTION_DOC,
    check: (source, context) => {
      const target = firehoseOf(source.target);
      if (!target || target.deliveryStreamArn || target.format !== 'parquet') return [];
      return lakeTableLayout(source.name, target).problems.map((problem) =>
        ruleIssue(
          context,
          'target.prefix',
          `The Parquet table cannot project this prefix's partitions: ${problem}`,
          'write target.prefix as folders <name>=!{timestamp:…}/ (e.g. lake/dt=!{timestamp:yyyy-MM-dd}/), or remove target.prefix',
        ),
      );
    },
  },
  bufferingSizeRule(
    'firehose-parquet-buffering-size',
    (target) => target.format === 'parquet',
    'record format conversion (format: parquet)',
    'format: json',
  ),
  bufferingSizeRule(
    'firehose-dynamic-partitioning-buffering-size',
    (target) => target.partitioning === 'event-date',
    'dynamic partitioning (partitioning: event-date)',
    'partitioning: arrival-date',
  ),
  {
    id: 'firehose-dynamic-partitioning-buffering',
    doc: BUFFERING_DOC,
    check: (source, context) => {
      const target = firehoseOf(source.target);
      if (target?.partitioning !== 'event-date' || target.bufferingIntervalSeconds > 0) return [];
      return [
        ruleIssue(
          context,
          'target.bufferingIntervalSeconds',
          'Zero buffering is not available with dynamic partitioning (partitioning: event-date)',
          'set target.bufferingIntervalSeconds to 60 or more, or partitioning: arrival-date',
        ),
      ];
    },
  },
];

/** Amazon Data Firehose (S3 destination). */
export const firehoseTarget: TargetKind<'firehose', typeof firehoseTargetSchema> = {
  type: 'firehose',
  schema: firehoseTargetSchema,
  replay: { destination: 'delivery-stream', to: 'delivery-stream', sinkQueue: false },
  usesStream: false,
  pollerDelivery: {
    configField: 'deliveryStreamName',
    grants: ({ arn }) => [{ sid: 'PutRecordBatch', actions: ['firehose:PutRecordBatch'], resources: [arn] }],
  },
  pipeTarget: {
    parameters: {},
    grants: ({ arn }) => [
      {
        sid: 'PutToDeliveryStream',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [arn],
      },
    ],
  },
  /**
   * The enrichment keeps each batch within one PutRecordBatch call. What a Pipe with a Kafka source does
   * when that call reports `FailedPutCount` > 0 is not documented (AWS documents partial-batch retries for
   * SQS, Kinesis and DynamoDB sources only); docs/sources.md, Firehose target, says what is and the alarms.
   */
  limits: {
    maxRecords: FIREHOSE_BATCH_MAX_RECORDS,
    maxRecordBytes: FIREHOSE_RECORD_MAX_BYTES,
    maxRequestBytes: FIREHOSE_REQUEST_MAX_BYTES,
  },
  rules,
};
