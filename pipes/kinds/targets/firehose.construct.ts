/**
 * The CDK side of the `firehose` target: the Firehose stream (DirectPut, SSE with the stack key) writing
 * GZIP newline-delimited JSON (or Parquet, `firehose-parquet.construct.ts`) to S3 under the source/date prefix, its bucket (KMS with the stack key,
 * SSL-only, private, versioned, server access logs to a log bucket) or an existing bucket, its role and
 * log group; or an existing stream by ARN. Alarms follow the Firehose best practices page
 * (https://docs.aws.amazon.com/firehose/latest/dev/firehose-cloudwatch-metrics-best-practices.html).
 */
import { type CfnElement, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  type IWidget,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, LogStream, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KindPipeTarget } from '../../pipe-targets.construct.js';
import type { SourceConfig } from '../../source-schema.js';
import type { TargetConstruct, TargetDestination } from '../targets.construct.js';
import {
  deliveryStreamNameOf,
  deliveryStreamPhysicalName,
  EVENT_DATE_QUERY,
  type FirehoseTargetConfig,
  firehosePrefixes,
  firehoseTarget,
  glueTableNamesOf,
  lakeTableLayout,
} from './firehose.js';
import { createParquetConversion } from './firehose-parquet.construct.js';

/** Seconds added to the buffering interval before data freshness alarms. */
export const FRESHNESS_MARGIN_SECONDS = 300;
/** Dynamic partitioning may take 1.5 times the buffering interval (buffering.html). */
const DYNAMIC_BUFFERING_FACTOR = 1.5;
/** The largest buffering interval, assumed for a stream the stack does not own. */
const MAX_BUFFERING_SECONDS = 900;
/** Seconds Firehose retries delivery to an S3 prefix with dynamic partitioning. */
const DYNAMIC_RETRY_SECONDS = 300;
const PERIOD = Duration.minutes(5);

/** Props of {@link FirehoseDestination}. */
export interface FirehoseDestinationProps {
  readonly source: SourceConfig;
  readonly target: FirehoseTargetConfig;
  readonly environment: string;
  /** The stack key: stream SSE, bucket encryption, S3 object encryption. */
  readonly dataKey: IKey;
  readonly retention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The data freshness a stream's alarm allows: its buffering interval (× 1.5 with dynamic partitioning) + margin. */
export function freshnessThresholdSeconds(target: FirehoseTargetConfig): number {
  if (target.deliveryStreamArn)
    return MAX_BUFFERING_SECONDS * DYNAMIC_BUFFERING_FACTOR + FRESHNESS_MARGIN_SECONDS;
  const factor = target.partitioning === 'event-date' ? DYNAMIC_BUFFERING_FACTOR : 1;
  return Math.ceil(target.bufferingIntervalSeconds * factor) + FRESHNESS_MARGIN_SECONDS;
}

/** A source's Firehose stream (created, or an existing one by ARN), its alarms and dashboard widgets. */
export class FirehoseDestination extends Construct implements TargetDestination {
  readonly arn: string;
  readonly name: string;
  /** The bucket the stack created (absent for an existing stream or bucket). */
  readonly bucket?: Bucket;
  readonly alarms: Alarm[] = [];
  readonly widgets: IWidget[];

  constructor(scope: Construct, id: string, props: FirehoseDestinationProps) {
    super(scope, id);
    const { target } = props;
    this.name = deliveryStreamPhysicalName({ name: props.source.name, target }, props.environment);
    if (target.deliveryStreamArn) {
      this.arn = target.deliveryStreamArn;
      this.name = deliveryStreamNameOf(target.deliveryStreamArn);
    } else {
      const bucket = target.bucketArn
        ? Bucket.fromBucketArn(this, 'Bucket', target.bucketArn)
        : this.createBucket(props);
      if (bucket instanceof Bucket) this.bucket = bucket;
      this.arn = this.createStream(props, bucket).attrArn;
    }
    this.createAlarms(props);
    this.widgets = [
      new GraphWidget({
        title: `Firehose ${this.name}`,
        left: [this.metric('IncomingRecords', 'Sum'), this.metric('DeliveryToS3.Records', 'Sum')],
        right: [this.metric('DeliveryToS3.DataFreshness', 'Maximum'), this.metric('ThrottledRecords', 'Sum')],
        width: 24,
      }),
    ];
  }

  /** A metric of the stream (namespace AWS/Firehose, dimension DeliveryStreamName). */
  metric(metricName: string, statistic: string): Metric {
    return new Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: this.name },
      statistic,
      period: PERIOD,
    });
  }

  /** The data-lake bucket and its access-log bucket (SSE-S3: the only encryption S3 server access logs take). */
  private createBucket(props: FirehoseDestinationProps): Bucket {
    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(logs.node.defaultChild as Construct).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason:
        'This bucket receives the data-lake bucket server access logs; logging it to itself would loop.',
    });
    return new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'data-lake/',
      removalPolicy: props.removalPolicy,
    });
  }

  /** The stream, its role (exact S3, KMS and Logs actions) and its error log group. */
  private createStream(props: FirehoseDestinationProps, bucket: IBucket): CfnDeliveryStream {
    const { target, dataKey } = props;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.retention,
      removalPolicy: props.removalPolicy,
    });
    const logStream = new LogStream(this, 'DeliveryLogs', { logGroup, removalPolicy: props.removalPolicy });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: `Firehose stream ${this.name}: writes S3 objects`,
    });
    for (const statement of streamRoleStatements(bucket, dataKey, logGroup.logGroupArn)) {
      role.addToPrincipalPolicy(statement);
    }
    Validations.of(role.node.findChild('DefaultPolicy').node.defaultChild as Construct).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketObjectsFinding(bucket)}]`,
      reason:
        'Firehose writes objects under generated keys of this one bucket (S3 object ARNs need the /* suffix).',
    });
    const dynamic = target.partitioning === 'event-date';
    const { prefix, errorOutputPrefix } = firehosePrefixes(props.source.name, target);
    const parquet =
      target.format === 'parquet'
        ? createParquetConversion(this, {
            names: glueTableNamesOf(props.source.name, props.environment),
            bucket,
            layout: lakeTableLayout(props.source.name, target),
            role,
          })
        : undefined;
    const stream = new CfnDeliveryStream(this, 'Stream', {
      deliveryStreamName: this.name,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: dataKey.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: role.roleArn,
        prefix,
        errorOutputPrefix,
        bufferingHints: {
          intervalInSeconds: target.bufferingIntervalSeconds,
          sizeInMBs: target.bufferingSizeMiB,
        },
        // With record format conversion S3 compression is off: Parquet compresses its own pages (Snappy).
        compressionFormat: parquet ? 'UNCOMPRESSED' : 'GZIP',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: dataKey.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
        ...processingOf(dynamic, !parquet),
        ...(parquet ? { dataFormatConversionConfiguration: parquet.configuration } : {}),
        ...(dynamic
          ? {
              dynamicPartitioningConfiguration: {
                enabled: true,
                retryOptions: { durationInSeconds: DYNAMIC_RETRY_SECONDS },
              },
            }
          : {}),
      },
    });
    stream.node.addDependency(role);
    if (parquet) stream.node.addDependency(parquet.table);
    return stream;
  }

  private createAlarms(props: FirehoseDestinationProps): void {
    const prefix = `${props.source.name}-${props.environment}`;
    const alarm = (id: string, metric: Metric, threshold: number, op: ComparisonOperator, text: string) =>
      this.alarms.push(
        new Alarm(this, `${id}Alarm`, {
          alarmName: `${prefix}-${id}`,
          alarmDescription: text,
          metric,
          threshold,
          comparisonOperator: op,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    alarm(
      'FirehoseDeliveryToS3Success',
      this.metric('DeliveryToS3.Success', 'Average'),
      1,
      ComparisonOperator.LESS_THAN_THRESHOLD,
      `Some S3 deliveries of Firehose stream ${this.name} failed (records go to the error output prefix after retries)`,
    );
    alarm(
      'FirehoseThrottledRecords',
      this.metric('ThrottledRecords', 'Sum'),
      0,
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `Records put to Firehose stream ${this.name} were throttled (the Pipe or the poller retries them)`,
    );
    alarm(
      'FirehoseDataFreshness',
      this.metric('DeliveryToS3.DataFreshness', 'Maximum'),
      freshnessThresholdSeconds(props.target),
      ComparisonOperator.GREATER_THAN_THRESHOLD,
      `The oldest record in Firehose stream ${this.name} waits longer than its buffering interval plus ${FRESHNESS_MARGIN_SECONDS} s`,
    );
    // Records Firehose cannot convert go to the error prefix (format-conversion-failed) and are counted in
    // FailedConversion.Records (https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html).
    if (props.target.format === 'parquet' && !props.target.deliveryStreamArn)
      alarm(
        'FirehoseFailedConversion',
        this.metric('FailedConversion.Records', 'Sum'),
        0,
        ComparisonOperator.GREATER_THAN_THRESHOLD,
        `Firehose stream ${this.name} could not convert records to Parquet (they are under its error prefix, format-conversion-failed)`,
      );
  }
}

/** How cdk-nag names the bucket's object ARN `<bucket ARN>/*`: the logical id of a bucket of this stack. */
function bucketObjectsFinding(bucket: IBucket): string {
  if (bucket instanceof Bucket) {
    return `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/*`;
  }
  return `${bucket.bucketArn}/*`;
}

/**
 * The processors: with dynamic partitioning the `dt` key from the record's Kafka timestamp; for JSON
 * objects a newline after each record (a Parquet object has no record delimiter, so not with conversion).
 */
function processingOf(
  dynamic: boolean,
  newlines: boolean,
): Pick<CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty, 'processingConfiguration'> {
  const processors: CfnDeliveryStream.ProcessorProperty[] = [
    ...(dynamic
      ? [
          {
            type: 'MetadataExtraction',
            parameters: [
              { parameterName: 'MetadataExtractionQuery', parameterValue: EVENT_DATE_QUERY },
              { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
            ],
          },
        ]
      : []),
    ...(newlines ? [{ type: 'AppendDelimiterToRecord' }] : []),
  ];
  return processors.length > 0 ? { processingConfiguration: { enabled: true, processors } } : {};
}

/**
 * The stream role's grants (Firehose S3 destination access,
 * https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3): the bucket's
 * objects, the key through S3 for this bucket only, its log group.
 */
function streamRoleStatements(bucket: IBucket, key: IKey, logGroupArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'WriteObjects',
      actions: [
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
      ],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }),
    new PolicyStatement({
      sid: 'EncryptObjects',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `s3.${Stack.of(bucket).region}.amazonaws.com` },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': bucket.arnForObjects('*') },
      },
    }),
    new PolicyStatement({
      sid: 'WriteDeliveryErrors',
      actions: ['logs:PutLogEvents'],
      resources: [logGroupArn],
    }),
  ];
}

/** The Firehose stream of a source (stack-level: both engines write it) and the Pipe target on it. */
export const firehoseTargetConstruct: TargetConstruct = {
  kind: firehoseTarget,
  destination: (ctx) => {
    const { source } = ctx;
    if (source.target.type !== firehoseTarget.type)
      throw new Error(`source ${source.name} is not a firehose target`);
    return new FirehoseDestination(ctx.scope, ctx.id, {
      source,
      target: source.target,
      environment: ctx.environment,
      dataKey: ctx.dataKey,
      retention: ctx.retention,
      removalPolicy: ctx.removalPolicy,
    });
  },
  build: ({ destination, source }) => {
    if (!destination) throw new Error(`source ${source.name}: the firehose target needs its destination`);
    return { target: new KindPipeTarget(firehoseTarget, destination.arn) };
  },
};
