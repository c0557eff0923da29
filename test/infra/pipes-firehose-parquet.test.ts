/**
 * The `firehose` target with `format: parquet` in a synthesized stack: the Glue database and table whose
 * columns come from the canonical JSON Schema, the stream's record format conversion (OpenX JSON SerDe in,
 * Parquet out, the Glue table as schema) without S3 compression or the newline processor, the stream
 * role's exact Glue reads; cdk-nag and cfn-lint clean.
 */
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { canonicalJsonSchema } from '../../enrichment/canonical-schema.js';
import { EVENT_DATE_QUERY } from '../../pipes/kinds/targets/firehose.js';
import { glueColumnsOf, type JsonSchemaNode } from '../../pipes/kinds/targets/glue-columns.js';
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

describe('firehose target with format: parquet', () => {
  it('accepts the sources and creates one Glue database and table per Parquet stream only', () => {
    expect(issues).toEqual([]);
    const databases = Object.values(synth.template.findResources('AWS::Glue::Database')) as Resource[];
    expect(databases.map((d) => (d.Properties.DatabaseInput as { Name: string }).Name).sort()).toEqual([
      'lake_parquet_dev',
      'lake_parquet_events_dev',
    ]);
    expect(tables()).toHaveLength(2);
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
        Parameters: { classification: 'parquet' },
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
