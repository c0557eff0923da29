/**
 * `KafkaPipe`: everything one Kafka source needs — the EventBridge Pipe (source, filters, enrichment,
 * target, logs), the enrichment Lambda and its DLQ, the FIRE_AND_FORGET sink Lambda with its async
 * config and DLQ (lambda targets), and the per-source alarms.
 */
import {
  CloudwatchLogsLogDestination,
  DesiredState,
  Filter,
  FilterPattern,
  type ITarget,
  LogLevel,
  Pipe,
} from '@aws-cdk/aws-pipes-alpha';
import { type CfnResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import { type Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError, formatIssues } from '../core/errors.js';
import { toPolicyStatement } from './grant-statement.construct.js';
import { KafkaSource, type KafkaSourceProps } from './kafka-source.construct.js';
import { checkServiceRules, sourceKind, targetKind } from './kinds/registry.js';
import { buildPipeTarget, type TargetDestination } from './kinds/targets.construct.js';
import { LambdaEnrichment } from './lambda-enrichment.construct.js';
import { enrichmentExternals } from './lambda-externals.js';
import { placeInVpc } from './lambda-vpc.construct.js';
import { nodeLambda } from './node-lambda.construct.js';
import { ALARM_PERIOD_MINUTES, createSourceAlarms } from './pipe-alarms.js';
import { recordFormatsEnv, recordFormatsGrants, registryVpcOf } from './record-formats.js';
import { pipeNameOf, replacementSnapshot } from './replacement-fields.js';
import { SOURCE_TAG_KEY, type SourceConfig } from './source-schema.js';

/** Metadata key under which each Pipe records its replacement-relevant fields (read back at next synth). */
export const SOURCE_SNAPSHOT_METADATA_KEY = 'KafkaPipes::SourceSnapshot';
/** DLQ retention (14 days, the SQS maximum). */
export const DLQ_RETENTION_DAYS = 14;
/** Enrichment Lambda memory / timeout. */
export const ENRICHMENT_MEMORY_MB = 512;
export const ENRICHMENT_TIMEOUT_SECONDS = 60;

/** Where the Lambda code lives and how it is bundled. */
export interface KafkaPipeCode {
  /** Entry of the enrichment handler (export `handler`). */
  readonly enrichmentEntry: string;
  /** Entry of the sink handler (export `handler`). */
  readonly sinkEntry: string;
  /** Repository root (lock file location) for esbuild. */
  readonly projectRoot: string;
}

/** Properties of a {@link KafkaPipe}. */
export interface KafkaPipeProps {
  /** The validated source (engine must be `pipe`). */
  readonly source: SourceConfig;
  /** Environment name, suffixed to physical names (`<name>-<environment>`). */
  readonly environment: string;
  /** The stream the records land in (Kinesis target, or written by the sink Lambda). */
  readonly stream?: IStream;
  /** The target's own destination, created by the stack (e.g. a Firehose stream). */
  readonly destination?: TargetDestination;
  /** KMS key for the DLQs. */
  readonly dataKey: IKey;
  /** Lambda code locations. */
  readonly code: KafkaPipeCode;
  /** Optional SNS topic for alarm actions. */
  readonly alarmTopic?: ITopic;
  /**
   * AppConfig coordinates of this source's rules (when the source names a non-default rules file).
   * Absent = the rules bundled in the enrichment Lambda. The caller grants the read permissions.
   */
  readonly rulesAppConfig?: {
    readonly application: string;
    readonly environment: string;
    readonly profile: string;
  };
  /** Removal policy of the queues and log groups. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
}

const LOG_RETENTION: Readonly<Record<number, RetentionDays>> = Object.fromEntries(
  Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/** Nearest CloudWatch Logs retention ≥ the requested days. */
export function toRetentionDays(days: number): RetentionDays {
  const allowed = Object.keys(LOG_RETENTION)
    .map(Number)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  const pick = allowed.find((d) => d >= days) ?? allowed[allowed.length - 1];
  return pick as RetentionDays;
}

/** One Kafka source: Pipe + enrichment + target + DLQs + alarms. */
export class KafkaPipe extends Construct {
  /** The Pipe. */
  readonly pipe: Pipe;
  /** Physical Pipe name (`<source>-<environment>-<hash of the replacement fields>`, see {@link pipeNameOf}). */
  readonly pipeName: string;
  /** `<source>-<environment>`: names the log group and alarms, which outlive a Pipe replacement. */
  readonly resourcePrefix: string;
  /** The Kafka source. */
  readonly kafkaSource: KafkaSource;
  /** The enrichment function. */
  readonly enrichmentFunction: NodejsFunction;
  /** Where the enrichment sends records it cannot normalize. */
  readonly enrichmentDlq: Queue;
  /** The FIRE_AND_FORGET sink (lambda targets only). */
  readonly sinkFunction?: NodejsFunction;
  /** The sink's on-failure destination (lambda targets only). */
  readonly targetDlq?: Queue;
  /** The Pipe log group. */
  readonly logGroup: LogGroup;
  /** Alarms by id. */
  readonly alarms: Record<string, Alarm> = {};

  constructor(scope: Construct, id: string, props: KafkaPipeProps) {
    super(scope, id);
    const { source, environment } = props;
    if (source.engine !== 'pipe') {
      throw new Error(`KafkaPipe needs engine pipe, received ${source.engine} for source ${source.name}`);
    }
    assertServiceRules(source);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = toRetentionDays(source.logRetentionDays);
    this.pipeName = pipeNameOf(source, environment);
    this.resourcePrefix = `${source.name}-${environment}`;
    this.kafkaSource = new KafkaSource(this, kafkaSourceProps(source));
    this.enrichmentDlq = this.dlq('EnrichmentDlq', props.dataKey, removalPolicy);
    this.enrichmentFunction = this.createEnrichment(props, retention, removalPolicy);
    const built = buildPipeTarget({
      scope: this,
      source,
      environment,
      ...(props.stream ? { stream: props.stream } : {}),
      ...(props.destination ? { destination: props.destination } : {}),
      dataKey: props.dataKey,
      sinkEntry: props.code.sinkEntry,
      retention,
      dlq: (dlqId) => this.dlq(dlqId, props.dataKey, removalPolicy),
      lambda: (fnId, o) =>
        nodeLambda(this, fnId, { ...o, projectRoot: props.code.projectRoot, retention, removalPolicy }),
    });
    this.sinkFunction = built.sinkFunction;
    this.targetDlq = built.targetDlq;
    this.logGroup = new LogGroup(this, 'PipeLogs', {
      logGroupName: `/aws/vendedlogs/pipes/${this.resourcePrefix}`,
      retention,
      removalPolicy,
    });
    this.pipe = this.createPipe(source, built.target);
    this.tagSource(source);
    Object.assign(this.alarms, createSourceAlarms(this, props.alarmTopic));
  }

  /** The enrichment Lambda, sending to its DLQ (exact SQS and KMS actions). */
  private createEnrichment(
    props: KafkaPipeProps,
    retention: RetentionDays,
    removalPolicy: RemovalPolicy,
  ): NodejsFunction {
    const { source, environment, code, rulesAppConfig } = props;
    const fn = nodeLambda(this, 'Enrichment', {
      entry: code.enrichmentEntry,
      projectRoot: code.projectRoot,
      memorySize: ENRICHMENT_MEMORY_MB,
      timeoutSeconds: ENRICHMENT_TIMEOUT_SECONDS,
      description: `Normalizes Kafka records of ${source.name} (${environment})`,
      environment: {
        SOURCE_NAME: source.name,
        PARTITION_KEY: source.target.partitionKey,
        DLQ_URL: this.enrichmentDlq.queueUrl,
        POWERTOOLS_SERVICE_NAME: 'kafka-pipes-enrichment',
        ...targetLimitsEnv(source),
        ...recordFormatsEnv(source),
        ...(rulesAppConfig
          ? {
              RULES_APPCONFIG_APPLICATION: rulesAppConfig.application,
              RULES_APPCONFIG_ENVIRONMENT: rulesAppConfig.environment,
              RULES_APPCONFIG_PROFILE: rulesAppConfig.profile,
            }
          : {}),
      },
      retention,
      removalPolicy,
      external: enrichmentExternals(source),
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'SendToEnrichmentDlq',
        actions: ['sqs:SendMessage'],
        resources: [this.enrichmentDlq.queueArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'EncryptForEnrichmentDlq',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.dataKey.keyArn],
      }),
    );
    const { partition, account, region } = Stack.of(this);
    for (const grant of recordFormatsGrants(source, { partition, account, region })) {
      fn.addToRolePolicy(toPolicyStatement(grant));
    }
    const vpc = registryVpcOf(source);
    if (vpc && fn.role) placeInVpc(fn, fn.role, vpc);
    return fn;
  }

  /** The Pipe: source, filters, enrichment, target, logs; it records its replacement-relevant fields. */
  private createPipe(source: SourceConfig, target: ITarget): Pipe {
    const pipe = new Pipe(this, 'Pipe', {
      pipeName: this.pipeName,
      description: source.description ?? `Kafka ${source.kind} topic ${source.topic} (${source.name})`,
      source: this.kafkaSource,
      filter: source.filters?.length
        ? new Filter(source.filters.map((f) => FilterPattern.fromObject(f as Record<string, unknown>)))
        : undefined,
      enrichment: new LambdaEnrichment(this.enrichmentFunction),
      target,
      logDestinations: [new CloudwatchLogsLogDestination(this.logGroup)],
      logLevel: LogLevel[source.logLevel],
      desiredState: source.desiredState === 'RUNNING' ? DesiredState.RUNNING : DesiredState.STOPPED,
      tags: source.tags,
    });
    const cfnPipe = pipe.node.defaultChild as CfnResource;
    cfnPipe.addMetadata(SOURCE_SNAPSHOT_METADATA_KEY, replacementSnapshot(source));
    dependOnRolePolicy(cfnPipe, pipe.pipeRole);
    return pipe;
  }

  /** The source's own tags, and the source tag `kafka-pipes dlq` finds its queues by. */
  private tagSource(source: SourceConfig): void {
    for (const [key, value] of Object.entries(source.tags ?? {})) Tags.of(this).add(key, value);
    Tags.of(this).add(SOURCE_TAG_KEY, source.name);
  }

  /** Pipe metric (namespace AWS/EventBridge/Pipes, dimension PipeName). */
  pipeMetric(metricName: string, statistic = 'Sum'): Metric {
    return new Metric({
      namespace: 'AWS/EventBridge/Pipes',
      metricName,
      dimensionsMap: { PipeName: this.pipeName },
      statistic,
      period: Duration.minutes(ALARM_PERIOD_MINUTES),
    });
  }

  private dlq(id: string, key: IKey, removalPolicy: RemovalPolicy): Queue {
    return new Queue(this, id, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
      removalPolicy,
    });
  }
}

/**
 * CreatePipe checks that the role can read the source, so the Pipe must be created after the role's default
 * policy is attached (https://github.com/aws/aws-cdk/issues/31211).
 */
function dependOnRolePolicy(cfnPipe: CfnResource, role: IRole): void {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy) cfnPipe.node.addDependency(policy);
}

/**
 * The AWS service rules of the source's kinds, for props that did not come through the loader.
 * @throws ConfigError naming each field and fix (file `<props>`).
 */
function assertServiceRules(source: SourceConfig): void {
  const issues = checkServiceRules(source, { file: '<props>' });
  if (issues.length > 0) {
    throw new ConfigError(`Invalid KafkaPipe for source ${source.name}:\n${formatIssues(issues)}`, issues);
  }
}

/**
 * What the target takes in one invocation, for the enrichment (TARGET_MAX_*): it returns no more records
 * or bytes than this, and sends the rest to its DLQ.
 */
export function targetLimitsEnv(source: SourceConfig): Record<string, string> {
  const { maxRecords, maxRecordBytes, maxRequestBytes, maxPayloadBytes } = targetKind(
    source.target.type,
  ).limits;
  return {
    TARGET_MAX_RECORDS: String(maxRecords),
    TARGET_MAX_RECORD_BYTES: String(maxRecordBytes),
    ...(maxRequestBytes !== undefined ? { TARGET_MAX_REQUEST_BYTES: String(maxRequestBytes) } : {}),
    ...(maxPayloadBytes !== undefined ? { TARGET_MAX_PAYLOAD_BYTES: String(maxPayloadBytes) } : {}),
  };
}

/** The {@link KafkaSource} props of a source. */
function kafkaSourceProps(source: SourceConfig): KafkaSourceProps {
  return {
    kind: source.kind,
    // MSK kinds: `brokers` only override the looked-up brokers of the poller and the CLI.
    brokers: sourceKind(source.kind).brokers === 'required' ? source.brokers : undefined,
    clusterArn: source.clusterArn,
    topic: source.topic,
    consumerGroupId: source.consumerGroupId,
    startingPosition: source.startingPosition,
    batchSize: source.batchSize,
    batchingWindowSeconds: source.batchingWindowSeconds,
    authType: source.auth.type,
    authSecret: source.auth.secret,
    secretsKmsKeyArn: source.auth.kmsKeyArn,
    rootCaSecret: source.rootCaSecret,
    vpc: source.vpc,
  };
}

/** Returns the stack-unique id used for a source's constructs. */
export function sourceConstructId(name: string): string {
  return name
    .split('-')
    .map((p) => (p ? p[0]?.toUpperCase() + p.slice(1) : p))
    .join('');
}
