/**
 * Parquet objects from a stack-created Firehose stream (`format: parquet`): Firehose record format
 * conversion (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html) reads each
 * canonical JSON record with the OpenX JSON SerDe through a Glue table and writes Parquet with Snappy
 * compression. The stack creates the Glue database and the table, whose columns are generated from the
 * canonical record's JSON Schema (`glue-columns.ts`), and grants the stream role exactly the Glue reads
 * conversion makes (https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-glue).
 * Conversion reads the table's columns (the storage descriptor); its partition keys and Athena partition
 * projection parameters come from the stream's prefix (`lake-partitions.ts`): the partition values are
 * the object folders, never fields of the records.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { canonicalGlueColumns } from './glue-columns.js';
import type { LakeTableLayout } from './lake-partitions.js';

/** Parquet input/output formats and SerDe of the Glue table (Hive's Parquet classes). */
const PARQUET_STORAGE = {
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
};

/** What the conversion of one stream is made from. */
export interface ParquetConversionProps {
  /** The Glue database and table names (firehose.ts `glueTableNamesOf`). */
  readonly names: { readonly database: string; readonly table: string };
  readonly bucket: IBucket;
  /** The table's location, partition columns and projection, read from the stream's prefix (firehose.ts `lakeTableLayout`). */
  readonly layout: LakeTableLayout;
  /** The stream's role: it gets the Glue reads. */
  readonly role: Role;
}

/** The conversion's Glue table, and the stream's DataFormatConversionConfiguration reading it. */
export interface ParquetConversion {
  readonly table: CfnTable;
  readonly configuration: CfnDeliveryStream.DataFormatConversionConfigurationProperty;
}

/** Creates the Glue database and table, grants the role, and returns the conversion configuration. */
export function createParquetConversion(scope: Construct, props: ParquetConversionProps): ParquetConversion {
  const stack = Stack.of(scope);
  const { database: databaseName, table: tableName } = props.names;
  const { layout } = props;
  if (layout.problems.length > 0)
    throw new Error(`Parquet table ${databaseName}.${tableName}: ${layout.problems.join('; ')}`);
  const bucketUrl = `s3://${props.bucket.bucketName}/`;
  const database = new CfnDatabase(scope, 'GlueDatabase', {
    catalogId: stack.account,
    databaseInput: { name: databaseName, description: 'Canonical records converted to Parquet by Firehose' },
  });
  const table = new CfnTable(scope, 'GlueTable', {
    catalogId: stack.account,
    databaseName,
    tableInput: {
      name: tableName,
      description: 'Columns generated from enrichment/canonical.schema.json',
      tableType: 'EXTERNAL_TABLE',
      // Partition projection: Athena computes the partitions from these parameters, so no crawler or
      // ALTER TABLE ADD PARTITION is needed (lake-partitions.ts). Glue asks Athena tables without
      // partitions for an empty PartitionKeys list
      // (https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html).
      partitionKeys: layout.partitionKeys.map(({ name, type, comment }) => ({ name, type, comment })),
      parameters: {
        classification: 'parquet',
        ...layout.projection,
        ...(layout.partitionKeys.length > 0
          ? { 'storage.location.template': `${bucketUrl}${layout.locationTemplate}` }
          : {}),
      },
      storageDescriptor: {
        ...PARQUET_STORAGE,
        columns: [...canonicalGlueColumns()],
        location: `${bucketUrl}${layout.location}`,
      },
    },
  });
  table.node.addDependency(database);
  props.role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'ReadConversionSchema',
      actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
      resources: glueArnsOf(stack, databaseName, tableName),
    }),
  );
  return {
    table,
    configuration: {
      enabled: true,
      inputFormatConfiguration: { deserializer: { openXJsonSerDe: {} } },
      outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
      schemaConfiguration: {
        catalogId: stack.account,
        region: stack.region,
        databaseName,
        tableName,
        roleArn: props.role.roleArn,
        versionId: 'LATEST',
      },
    },
  };
}

/**
 * The catalog, database and table ARNs a GetTable call is authorized on
 * (https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html).
 */
export function glueArnsOf(stack: Stack, database: string, table: string): string[] {
  const arn = (resource: string) =>
    `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
  return [arn('catalog'), arn(`database/${database}`), arn(`table/${database}/${table}`)];
}
