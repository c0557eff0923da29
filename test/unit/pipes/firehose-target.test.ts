/** The `firehose` target module: its schema, its service rules (exact messages), its names and prefixes. */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConfigIssue } from '../../../core/errors.js';
import { targetKind } from '../../../pipes/kinds/registry.js';
import {
  deliveryStreamPhysicalName,
  FIREHOSE_BATCH_MAX_RECORDS,
  FIREHOSE_RECORD_MAX_BYTES,
  FIREHOSE_REQUEST_MAX_BYTES,
  firehosePrefixes,
  glueTableNamesOf,
} from '../../../pipes/kinds/targets/firehose.js';
import { validateSourceTexts } from '../../../pipes/load-sources.js';

const FILE = 'pipes/sources/lake.yaml';
const ARN = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/data-lake';
const source = (target: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'lake',
  kind: 'msk-serverless',
  clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/lake/abcd-1234',
  topic: 'orders',
  auth: { type: 'iam' },
  target: { type: 'firehose', ...target },
  ...extra,
});
const issue = (field: string, message: string, fix: string): ConfigIssue => ({
  file: FILE,
  field,
  message,
  fix,
});
const PREFIX_FIX = (field: string) =>
  `write ${field} with the expressions on https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html`;
const PROJECTION_FIX =
  'write target.prefix as folders <name>=!{timestamp:…}/ (e.g. lake/dt=!{timestamp:yyyy-MM-dd}/), or remove target.prefix';

interface Case {
  readonly title: string;
  readonly source: Record<string, unknown>;
  readonly issues: readonly ConfigIssue[];
}

const cases: Case[] = [
  { title: 'defaults', source: source({}), issues: [] },
  {
    title: 'firehose-target-batch-size: 501',
    source: source({}, { batchSize: 501 }),
    issues: [
      issue(
        'batchSize',
        'Batch size 501 is above 500, the most a Pipe delivers to a Firehose stream target in one batch; EventBridge Pipes refuses the pipe',
        'set batchSize to 500 or less',
      ),
    ],
  },
  { title: 'firehose-target-batch-size: 500', source: source({}, { batchSize: 500 }), issues: [] },
  {
    title: 'firehose-s3-prefix: error-output-type in the prefix',
    source: source({ prefix: 'x/!{firehose:error-output-type}/' }),
    issues: [
      issue(
        'target.prefix',
        '!{firehose:error-output-type} may only stand in the error output prefix',
        PREFIX_FIX('target.prefix'),
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: partition key without event-date',
    source: source({ prefix: 'x/!{partitionKeyFromQuery:dt}/' }),
    issues: [
      issue(
        'target.prefix',
        '!{partitionKeyFromQuery:dt} needs dynamic partitioning (partitioning: event-date)',
        PREFIX_FIX('target.prefix'),
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: unknown key and namespace',
    source: source({ partitioning: 'event-date', prefix: 'x/!{partitionKeyFromQuery:app}/!{env:x}/' }),
    issues: [
      issue(
        'target.prefix',
        '!{partitionKeyFromQuery:app}: the event-date query defines only dt',
        PREFIX_FIX('target.prefix'),
      ),
      issue(
        'target.prefix',
        '!{env:x}: the namespace must be timestamp, firehose or partitionKeyFromQuery',
        PREFIX_FIX('target.prefix'),
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: event-date without a partition key in the prefix',
    source: source({ partitioning: 'event-date', prefix: 'x/!{timestamp:yyyy}/' }),
    issues: [
      issue(
        'target.prefix',
        'With dynamic partitioning (partitioning: event-date) the prefix must use a partition key',
        'put !{partitionKeyFromQuery:dt} in target.prefix, or remove target.prefix',
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: error prefix with expressions but no error-output-type',
    source: source({ errorOutputPrefix: 'err/!{timestamp:yyyy}/' }),
    issues: [
      issue(
        'target.errorOutputPrefix',
        'An error output prefix with expressions must contain !{firehose:error-output-type}',
        'add !{firehose:error-output-type}/ to target.errorOutputPrefix',
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: partition key in the error prefix',
    source: source({
      partitioning: 'event-date',
      errorOutputPrefix: 'err/!{firehose:error-output-type}/!{partitionKeyFromQuery:dt}/',
    }),
    issues: [
      issue(
        'target.errorOutputPrefix',
        '!{partitionKeyFromQuery:dt}: dynamic partitioning keys may not stand in the error output prefix',
        PREFIX_FIX('target.errorOutputPrefix'),
      ),
    ],
  },
  {
    title: 'firehose-s3-prefix: literal error prefix',
    source: source({ errorOutputPrefix: 'err/' }),
    issues: [],
  },
  {
    title: 'firehose-dynamic-partitioning-buffering: zero buffering',
    source: source({ partitioning: 'event-date', bufferingIntervalSeconds: 0 }),
    issues: [
      issue(
        'target.bufferingIntervalSeconds',
        'Zero buffering is not available with dynamic partitioning (partitioning: event-date)',
        'set target.bufferingIntervalSeconds to 60 or more, or partitioning: arrival-date',
      ),
    ],
  },
  {
    title: 'zero buffering without dynamic partitioning',
    source: source({ bufferingIntervalSeconds: 0 }),
    issues: [],
  },
  {
    title: 'existing stream with stack-stream settings',
    source: source({ deliveryStreamArn: ARN, prefix: 'x/' }),
    issues: [
      issue(
        'target.prefix',
        'S3 prefix: only applies to a stream the stack creates (target.deliveryStreamArn names an existing one), received "x/"',
        'use 1-1024 characters, or remove it (with deliveryStreamArn: remove it)',
      ),
    ],
  },
  { title: 'parquet with the default buffering', source: source({ format: 'parquet' }), issues: [] },
  {
    title: 'firehose-parquet-buffering-size: 63 MiB',
    source: source({ format: 'parquet', bufferingSizeMiB: 63 }),
    issues: [
      issue(
        'target.bufferingSizeMiB',
        'Buffering size 63 MiB is below 64 MiB, the least Firehose takes with record format conversion (format: parquet)',
        'set target.bufferingSizeMiB to 64-128, or format: json',
      ),
    ],
  },
  {
    title: 'firehose-parquet-partition-projection: a custom prefix with a dated folder',
    source: source({ format: 'parquet', prefix: 'lake/day=!{timestamp:yyyy/MM/dd}/' }),
    issues: [],
  },
  {
    title: 'firehose-parquet-partition-projection: a partition named after a data column',
    source: source({ format: 'parquet', prefix: 'lake/route=!{timestamp:yyyy-MM-dd}/' }),
    issues: [
      issue(
        'target.prefix',
        'The Parquet table cannot project this prefix\'s partitions: partition "route" has the name of a data column of the table (Athena refuses a partition column that repeats a column); rename the folder',
        PROJECTION_FIX,
      ),
    ],
  },
  {
    title: 'firehose-parquet-partition-projection: a dated folder without a name',
    source: source({ format: 'parquet', prefix: 'lake/!{timestamp:yyyy/MM/dd}/' }),
    issues: [
      issue(
        'target.prefix',
        'The Parquet table cannot project this prefix\'s partitions: folder "!{timestamp:yyyy/MM/dd}" has no partition name: write it as <name>=<expression> (e.g. dt=!{timestamp:yyyy-MM-dd})',
        PROJECTION_FIX,
      ),
    ],
  },
  {
    title: 'firehose-parquet-partition-projection: JSON objects are not checked',
    source: source({ prefix: 'lake/!{timestamp:yyyy/MM/dd}/' }),
    issues: [],
  },
  {
    title: 'firehose-parquet-buffering-size: 1 MiB without conversion',
    source: source({ bufferingSizeMiB: 1 }),
    issues: [],
  },
  {
    title: 'firehose-dynamic-partitioning-buffering-size: 32 MiB with event-date',
    source: source({ partitioning: 'event-date', bufferingSizeMiB: 32 }),
    issues: [
      issue(
        'target.bufferingSizeMiB',
        'Buffering size 32 MiB is below 64 MiB, the least Firehose takes with dynamic partitioning (partitioning: event-date)',
        'set target.bufferingSizeMiB to 64-128, or partitioning: arrival-date',
      ),
    ],
  },
  {
    title: 'parquet on an existing stream',
    source: source({ deliveryStreamArn: ARN, format: 'parquet' }),
    issues: [
      issue(
        'target.format',
        'Object format: parquet only applies to a stream the stack creates (target.deliveryStreamArn names an existing one, whose format is its own), received "parquet"',
        'set target.format to json or parquet (with deliveryStreamArn: json, or remove it)',
      ),
    ],
  },
  {
    title: 'existing stream: prefix rules do not apply',
    source: source({ deliveryStreamArn: ARN }),
    issues: [],
  },
];

describe('firehose target', () => {
  it.each(cases)('$title', ({ source: s, issues }) => {
    // Act
    const result = validateSourceTexts([{ file: FILE, text: stringify(s) }]);
    // Assert
    expect(result.issues).toEqual(issues);
    expect(result.sources).toHaveLength(issues.length === 0 ? 1 : 0);
  });

  it('carries the PutRecordBatch limits the enrichment keeps to', () => {
    expect(targetKind('firehose').limits).toEqual({
      maxRecords: FIREHOSE_BATCH_MAX_RECORDS,
      maxRecordBytes: FIREHOSE_RECORD_MAX_BYTES,
      maxRequestBytes: FIREHOSE_REQUEST_MAX_BYTES,
    });
    expect([FIREHOSE_BATCH_MAX_RECORDS, FIREHOSE_RECORD_MAX_BYTES, FIREHOSE_REQUEST_MAX_BYTES]).toEqual([
      500,
      1000 * 1024,
      4 * 1024 * 1024,
    ]);
  });

  it('grants exactly PutRecord and PutRecordBatch on the stream, and has no sink DLQ', () => {
    const kind = targetKind('firehose');
    expect(kind.pipeTarget.grants({ arn: ARN })).toEqual([
      {
        sid: 'PutToDeliveryStream',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [ARN],
      },
    ]);
    expect(kind.pipeTarget.parameters).toEqual({});
    expect(kind.usesStream).toBe(false);
  });

  it('names the stream after the ARN or the source and environment', () => {
    expect(deliveryStreamPhysicalName({ name: 'lake', target: {} }, 'prod')).toBe('lake-lake-prod');
    expect(deliveryStreamPhysicalName({ name: 'lake', target: { deliveryStreamArn: ARN } }, 'prod')).toBe(
      'data-lake',
    );
    expect(deliveryStreamPhysicalName({ name: 'x'.repeat(60), target: {} }, 'dev')).toHaveLength(64);
  });

  it('partitions by source and arrival date, or by the Kafka timestamp with event-date', () => {
    expect(firehosePrefixes('lake', { partitioning: 'arrival-date' })).toEqual({
      prefix: "source=lake/dt=!{timestamp:yyyy'-'MM'-'dd}/",
      errorOutputPrefix: "errors/source=lake/!{firehose:error-output-type}/dt=!{timestamp:yyyy'-'MM'-'dd}/",
    });
    expect(firehosePrefixes('lake', { partitioning: 'event-date' }).prefix).toBe(
      'source=lake/dt=!{partitionKeyFromQuery:dt}/',
    );
    expect(firehosePrefixes('lake', { partitioning: 'event-date', prefix: 'p/' }).prefix).toBe('p/');
  });

  it('names the Glue database of the Parquet conversion after the source and environment', () => {
    expect(glueTableNamesOf('msk-apic-lake', 'dev')).toEqual({
      database: 'msk_apic_lake_dev',
      table: 'canonical_records',
    });
  });
});
