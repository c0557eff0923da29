/**
 * The `firehose` target with `format: parquet` in a synthesized stack: the Glue database and table whose
 * columns come from the canonical JSON Schema, the stream's record format conversion (OpenX JSON SerDe in,
 * Parquet out, the Glue table as schema) without S3 compression or the newline processor, the stream
 * role's exact Glue reads; the table's partition keys and Athena partition projection matching the
 * stream's prefix (default, event-date, and a custom prefix on an existing bucket); cdk-nag and cfn-lint
 * clean.
 */
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { canonicalJsonSchema } from '../../enrichment/canonical-schema.js';
import { EVENT_DATE_QUERY } from '../../pipes/kinds/targets/firehose.js';
import { glueColumnsOf, type JsonSchemaNode } from '../../pipes/kinds/targets/glue-columns.js';
import { PROJECTION_START } from '../../pipes/kinds/targets/lake-partitions.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import {
  logicalId,
  nagReport,
  policyStatements,
  type Synthesized,
  synthEnvironment,
} from './pipes-helpers.js';

const base = {
  kind: 'msk-serverless',
  clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/lake/abcd-1234',
  auth: { type: 'iam' },
};
const { sources, issues } = validateSourceTexts([
  {
    file: 'pipes/sources/lake-parquet.yaml',
    text: stringify({
      ...base,
      name: 'lake-parquet',
      topic: 'lake.a',
      target: { type: 'firehose', format: 'parquet' },
    }),
  },
  {
    file: 'pipes/sources/lake-parquet-events.yaml',
    text: stringify({
      ...base,
      name: 'lake-parquet-events',
      topic: 'lake.b',
      target: { type: 'firehose', format: 'parquet', partitioning: 'event-date', bufferingSizeMiB: 128 },
    }),
  },
  {
    file: 'pipes/sources/lake-parquet-custom.yaml',
    text: stringify({
      ...base,
      name: 'lake-parquet-custom',
      topic: 'lake.d',
      target: {
        type: 'firehose',
        format: 'parquet',
        bucketArn: 'arn:aws:s3:::existing-lake',
        prefix: 'lake/v1/day=!{timestamp:yyyy/MM/dd}/hour=!{timestamp:HH}/part-',
      },
    }),
  },
  {
    file: 'pipes/sources/lake-json.yaml',
    text: stringify({ ...base, name: 'lake-json', topic: 'lake.c', target: { type: 'firehose' } }),
  },
]);

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthEnvironment({ environment: 'dev', sources });
});

type Resource = { Properties: Record<string, unknown> };
const streamNamed = (name: string) =>
  Object.entries(synth.template.findResources('AWS::KinesisFirehose::DeliveryStream')).find(
    ([, r]) => (r as Resource).Properties.DeliveryStreamName === name,
  ) as [string, Resource] | undefined;
const tables = () => Object.values(synth.template.findResources('AWS::Glue::Table')) as Resource[];
const tableOf = (database: string) => tables().find((t) => t.Properties.DatabaseName === database);
/** The text of an S3 URL after its bucket: a literal, or the last part of an Fn::Join on the bucket's Ref. */
function templateTail(url: unknown): string {
  if (typeof url === 'string') return url.replace(/^s3:\/\/[^/]+\//, '');
  const parts = (url as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return (parts.at(-1) as string).replace(/^\//, '');
}

describe('firehose target with format: parquet', () => {
  it('accepts the sources and creates one Glue database and table per Parquet stream only', () => {
    expect(issues).toEqual([]);
    const databases = Object.values(synth.template.findResources('AWS::Glue::Database')) as Resource[];
    expect(databases.map((d) => (d.Properties.DatabaseInput as { Name: string }).Name).sort()).toEqual([
      'lake_parquet_custom_dev',
      'lake_parquet_dev',
      'lake_parquet_events_dev',
    ]);
    expect(tables()).toHaveLength(3);
  });

  it('makes the table columns from the canonical JSON Schema, stored as Parquet under the source prefix', () => {
    const table = tables().find((t) => t.Properties.DatabaseName === 'lake_parquet_dev');
    const columns = glueColumnsOf(canonicalJsonSchema() as JsonSchemaNode).map((c) => ({
      Name: c.name,
      Type: c.type,
    }));
    expect(columns.map((c) => c.Name)).toContain('eventid');
    expect(table?.Properties).toMatchObject({
      CatalogId: { Ref: 'AWS::AccountId' },
      TableInput: {
        Name: 'canonical_records',
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Columns: columns,
          InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          Location: {
            'Fn::Join': [
              '',
              [
                's3://',
                { Ref: expect.stringMatching(/^LakeParquetDestinationBucket/) },
                '/source=lake-parquet/',
              ],
            ],
          },
        },
      },
    });
  });

  it('declares dt as the partition key, projected by Athena as a date over the stream prefix', () => {
    const table = tableOf('lake_parquet_dev');
    const bucket = { Ref: expect.stringMatching(/^LakeParquetDestinationBucket/) };
    const input = table?.Properties.TableInput as Record<string, unknown>;
    expect(input.PartitionKeys).toEqual([
      {
        Name: 'dt',
        Type: 'string',
        Comment: "Partition folder dt=!{timestamp:yyyy'-'MM'-'dd} of the Firehose prefix (date yyyy-MM-dd)",
      },
    ]);
    expect(input.Parameters).toEqual({
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${PROJECTION_START.year}-01-01,NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': {
        'Fn::Join': ['', ['s3://', bucket, `/source=lake-parquet/dt=\${dt}/`]],
      },
    });
  });

  it(`has a location template that is the stream prefix with \${partition} for each partition expression`, () => {
    for (const [database, stream] of [
      ['lake_parquet_dev', 'lake-parquet-lake-dev'],
      ['lake_parquet_events_dev', 'lake-parquet-events-lake-dev'],
      ['lake_parquet_custom_dev', 'lake-parquet-custom-lake-dev'],
    ] as const) {
      const input = tableOf(database)?.Properties.TableInput as {
        PartitionKeys: { Name: string; Comment: string }[];
        Parameters: Record<string, unknown>;
      };
      const template = templateTail(input.Parameters['storage.location.template']);
      const [, resource] = streamNamed(stream) ?? [];
      expect(resource, stream).toBeDefined();
      const config = (resource as Resource).Properties.ExtendedS3DestinationConfiguration as {
        Prefix: string;
      };
      const prefix = config.Prefix;
      // Each partition's comment names its folder in the prefix: name=<expression>.
      const folders = Object.fromEntries(
        input.PartitionKeys.map((k) => [k.Name, /folder \S+?=(\S+) of/.exec(k.Comment)?.[1]]),
      );
      const back = template.replace(/\$\{(\w+)\}/g, (_, name: string) => folders[name] as string);
      expect(back, database).toBe(prefix.slice(0, prefix.lastIndexOf('/') + 1));
      expect(Object.keys(folders).every((name) => template.includes(`\${${name}}`))).toBe(true);
    }
  });

  it('projects the event-date key and a custom prefix on an existing bucket', () => {
    const events = tableOf('lake_parquet_events_dev')?.Properties.TableInput as Record<string, unknown>;
    expect(events.Parameters).toMatchObject({
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW+1DAYS',
    });
    const custom = tableOf('lake_parquet_custom_dev')?.Properties.TableInput as Record<string, unknown>;
    expect(Object.keys(custom.Parameters as object)).toHaveLength(11);
    expect(custom).toMatchObject({
      PartitionKeys: [
        { Name: 'day', Type: 'string' },
        { Name: 'hour', Type: 'string' },
      ],
      Parameters: {
        classification: 'parquet',
        'projection.enabled': 'true',
        'projection.day.type': 'date',
        'projection.day.format': 'yyyy/MM/dd',
        'projection.day.range': '2020/01/01,NOW',
        'projection.day.interval': '1',
        'projection.day.interval.unit': 'DAYS',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        'storage.location.template': `s3://existing-lake/lake/v1/day=\${day}/hour=\${hour}/`,
      },
      StorageDescriptor: { Location: 's3://existing-lake/lake/v1/' },
    });
  });

  it('converts with the OpenX JSON SerDe to Snappy Parquet, uncompressed in S3, without the newline processor', () => {
    const [, stream] = streamNamed('lake-parquet-lake-dev') ?? [];
    const config = stream?.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
    expect(config).toMatchObject({
      CompressionFormat: 'UNCOMPRESSED',
      BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
      DataFormatConversionConfiguration: {
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        SchemaConfiguration: {
          CatalogId: { Ref: 'AWS::AccountId' },
          Region: { Ref: 'AWS::Region' },
          DatabaseName: 'lake_parquet_dev',
          TableName: 'canonical_records',
          VersionId: 'LATEST',
          RoleARN: { 'Fn::GetAtt': [expect.stringMatching(/^LakeParquetDestinationRole/), 'Arn'] },
        },
      },
    });
    expect(config.ProcessingConfiguration).toBeUndefined();
  });

  it('keeps the dynamic-partitioning processor (and only it) with event-date', () => {
    const [, stream] = streamNamed('lake-parquet-events-lake-dev') ?? [];
    expect(stream?.Properties.ExtendedS3DestinationConfiguration).toMatchObject({
      CompressionFormat: 'UNCOMPRESSED',
      BufferingHints: { SizeInMBs: 128 },
      ProcessingConfiguration: {
        Enabled: true,
        Processors: [
          {
            Type: 'MetadataExtraction',
            Parameters: [
              { ParameterName: 'MetadataExtractionQuery', ParameterValue: EVENT_DATE_QUERY },
              { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
            ],
          },
        ],
      },
    });
  });

  it('leaves a JSON stream as GZIP newline-delimited JSON without conversion', () => {
    const [, stream] = streamNamed('lake-json-lake-dev') ?? [];
    const config = stream?.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
    expect(config).toMatchObject({
      CompressionFormat: 'GZIP',
      ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
    });
    expect(config.DataFormatConversionConfiguration).toBeUndefined();
  });

  it('grants the stream role GetTable, GetTableVersion and GetTableVersions on the catalog, database and table only', () => {
    const destination = synth.stack.destinations.get('lake-parquet') as unknown as Construct;
    const role = destination.node.findChild('Role');
    const statements = policyStatements(synth.template, logicalId(synth.stack, role as never));
    const arn = (resource: string) => ({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':glue:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:${resource}`,
        ],
      ],
    });
    expect(statements).toContainEqual({
      Sid: 'ReadConversionSchema',
      Effect: 'Allow',
      Action: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      Resource: [
        arn('catalog'),
        arn('database/lake_parquet_dev'),
        arn('table/lake_parquet_dev/canonical_records'),
      ],
    });
    const json = (synth.stack.destinations.get('lake-json') as unknown as Construct).node.findChild('Role');
    expect(
      JSON.stringify(policyStatements(synth.template, logicalId(synth.stack, json as never))),
    ).not.toContain('glue:');
  });
});

describe('parquet alarms', () => {
  it('alarms on records Firehose could not convert, for the Parquet streams only', () => {
    const alarms = Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    const failed = alarms.filter((a) => a.Properties.MetricName === 'FailedConversion.Records');
    expect(failed.map((a) => a.Properties.AlarmName).sort()).toEqual([
      'lake-parquet-custom-dev-FirehoseFailedConversion',
      'lake-parquet-dev-FirehoseFailedConversion',
      'lake-parquet-events-dev-FirehoseFailedConversion',
    ]);
    expect(failed[0]?.Properties).toMatchObject({
      Namespace: 'AWS/Firehose',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('parquet stack checks', () => {
  it('has zero unacknowledged cdk-nag findings', async () => {
    const { ok, report } = await nagReport({ environment: 'prod', sources });
    expect(ok, report).toBe(true);
  });

  it('passes cfn-lint with zero errors', async () => {
    const { runCfnLint } = await import('../harness/cfn-lint.js');
    const lint = await runCfnLint(synth.templatePath);
    expect(lint.errors, lint.output).toEqual([]);
  });
});
