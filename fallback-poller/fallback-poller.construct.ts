/**
 * FallbackPoller: the engine for Kafka sources a Pipe cannot read (trust chain over 65,536 bytes,
 * PBES2-encrypted client key). As in the original poller design, an EventBridge schedule every minute
 * starts a Step Functions execution that invokes the poller Lambda per partition; each partition runs its
 * own loop of up to `iterations` polls within the execution's time budget (fallback-poller/state-machine.ts);
 * with a DynamoDB lock table, a KMS-encrypted SSL-only truststore bucket, log groups and alarms.
 */
import { dirname, join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import {
  type CfnStateMachine,
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { toPolicyStatement } from '../pipes/grant-statement.construct.js';
import { authKind, sourceKind, targetKind } from '../pipes/kinds/registry.js';
import { pollerExternals } from '../pipes/lambda-externals.js';
import { placeInVpc } from '../pipes/lambda-vpc.construct.js';
import { nodeLambda } from '../pipes/node-lambda.construct.js';
import { recordFormatsGrants, registryVpcOf } from '../pipes/record-formats.js';
import { secretArnRule } from '../pipes/secret-refs.js';
import { type PollerConfig, SOURCE_TAG_KEY, type SourceConfig } from '../pipes/source-schema.js';
import { POLLER_CONFIG_ENV, type PollerRuntimeConfig } from './config.js';
import { createPollerAlarms } from './poller-alarms.js';
import { dataPlaneStatements, kafkaClientStatements, type PollerDeliveryTarget } from './poller-iam.js';

export { type PollerDeliveryTarget, streamDeliveryTarget } from './poller-iam.js';

import { createPollerSchedule } from './poller-schedule.js';
import { bundledTruststorePath, pollerRuntimeConfig, pollerSettingsOf } from './runtime-config.js';
import { buildPollerDefinition } from './state-machine.js';

/** The `DefinitionSubstitutions` key the state machine's template definition uses for the poller function's ARN. */
const FUNCTION_ARN_SUBSTITUTION = 'PollerFunctionArn';

/** Properties of {@link FallbackPoller}. */
export interface FallbackPollerProps {
  /** The validated source (`engine: poller`, with a `poller` block, and `brokers` or an MSK `clusterArn`). */
  readonly source: SourceConfig;
  /**
   * Where the canonical records go: the data-lake stream or the target type's own destination (e.g. its
   * Firehose stream). The source's target module names the POLLER_CONFIG field and the role's grants.
   */
  readonly target: PollerDeliveryTarget;
  /** The enrichment DLQ (poison records, `enrichment-dlq/v1`). */
  readonly enrichmentDlq: IQueue;
  /** Existing truststore bucket; absent = one is created (KMS, SSL-only, versioned, no public access). */
  readonly truststoreBucket?: IBucket;
  /** SNS topic for the alarms. */
  readonly alarmTopic?: ITopic;
  /** Environment name, used in descriptions. */
  readonly environment?: string;
  /** Repository root (Lambda entry, bundled truststore files). Default: the current directory. */
  readonly projectRoot?: string;
  /** AppConfig coordinates of the source's rules (the same profile the Pipe's enrichment reads). */
  readonly rulesAppConfig?: {
    readonly application: string;
    readonly environment: string;
    readonly profile: string;
  };
  /** Removal policy of the lock table, bucket and key (default RETAIN). */
  readonly removalPolicy?: RemovalPolicy;
  /** Log retention (default one month). */
  readonly logRetention?: RetentionDays;
  /** Lag (records) above which the lag alarm fires (default 100,000). */
  readonly lagAlarmThreshold?: number;
  /** Consecutive minutes with a 203 (partition locked) answer before the alarm fires (default 5). */
  readonly lockedStreakMinutes?: number;
  /** Lambda memory in MB (default 512). */
  readonly memorySize?: number;
}

/** Validates the props; throws naming the field, the value and the fix. */
export function validateFallbackPollerProps(props: FallbackPollerProps): void {
  const { source } = props;
  const problems: string[] = [];
  if (source.engine !== 'poller') problems.push(`engine must be poller, received ${source.engine}`);
  if (!source.poller) problems.push('the poller block is missing: add poller: {} to the source file');
  const auth = authKind(source.auth.type);
  const kind = sourceKind(source.kind);
  if (kind.brokers === 'required' && !source.brokers?.length) {
    problems.push('brokers are required by the poller engine: list the bootstrap brokers (host:port)');
  }
  if (!kind.authTypes.includes(auth.type))
    problems.push(`auth type ${auth.type} is not accepted by kind ${kind.kind}: ${kind.authFix}`);
  if (!auth.client.supported)
    problems.push(`auth type ${auth.type} is not supported by the poller engine (${auth.client.reason})`);
  if (auth.secret && !source.auth.secret)
    problems.push(`auth.secret is required for auth type ${source.auth.type}`);
  for (const issue of secretArnRule.check(source, { file: '<props>' })) {
    problems.push(`${issue.field}: ${issue.message}. Fix: ${issue.fix}`);
  }
  if (problems.length > 0) throw new Error(`Source "${source.name}": ${problems.join('; ')}`);
}

/** The fallback poller of one source. */
export class FallbackPoller extends Construct {
  /** The poller Lambda. */
  readonly function: NodejsFunction;
  /** The lock table (`topic_partition`, PAY_PER_REQUEST, PITR, TTL on `ttl`). */
  readonly lockTable: Table;
  /** The truststore bucket (created or given). */
  readonly truststoreBucket: IBucket;
  /** The Step Functions state machine (a loop of polls per partition). */
  readonly stateMachine: StateMachine;
  /** The one-minute EventBridge Scheduler schedule, alone in its schedule group (per-source Scheduler metrics). */
  readonly schedule: Schedule;
  /** Where the schedule puts a start it could not make after its retries (SSE-SQS, SSL-only). */
  readonly scheduleDlq: Queue;
  /** Alarms: 503 answers, 203 streak, enrichment DLQ depth, lag, failed executions, failed and lost starts. */
  readonly alarms: Alarm[] = [];
  /** The ASL definition as deployed. */
  readonly definition: Record<string, unknown>;
  /** The runtime settings written to POLLER_CONFIG. */
  readonly runtimeConfig: PollerRuntimeConfig;

  constructor(scope: Construct, id: string, props: FallbackPollerProps) {
    super(scope, id);
    validateFallbackPollerProps(props);
    const { source } = props;
    const poller = pollerSettingsOf(source);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.lockTable = this.createLockTable(removalPolicy);
    this.truststoreBucket = props.truststoreBucket ?? this.createTruststoreBucket(source.name, removalPolicy);
    // The stream, queue, table and bucket names are tokens resolved at deploy time.
    this.runtimeConfig = pollerRuntimeConfig(source, {
      truststoreBucket: this.truststoreBucket.bucketName,
      [targetKind(source.target.type).pollerDelivery.configField]: props.target.name,
      dlqUrl: props.enrichmentDlq.queueUrl,
      lockTable: this.lockTable.tableName,
      ...(props.rulesAppConfig ? { rulesAppConfig: props.rulesAppConfig } : {}),
    });
    this.function = this.createFunction(props, { retention, removalPolicy });
    this.grantFunction(props);

    const definitionOptions = { sourceName: source.name, taskTimeoutSeconds: poller.timeoutSeconds + 30 };
    this.definition = buildPollerDefinition({ ...definitionOptions, functionArn: this.function.functionArn });
    this.stateMachine = this.createStateMachine(
      source.name,
      buildPollerDefinition({ ...definitionOptions, functionArn: `\${${FUNCTION_ARN_SUBSTITUTION}}` }),
      { retention, removalPolicy },
    );
    const { schedule, scheduleGroup, scheduleDlq } = createPollerSchedule(this, {
      source,
      poller,
      stateMachine: this.stateMachine,
      functionName: this.function.functionName,
      removalPolicy,
    });
    this.schedule = schedule;
    this.scheduleDlq = scheduleDlq;

    this.alarms.push(
      ...createPollerAlarms(this, {
        sourceName: source.name,
        stateMachine: this.stateMachine,
        enrichmentDlq: props.enrichmentDlq,
        scheduleDlq: this.scheduleDlq,
        scheduleGroup,
        ...(props.lagAlarmThreshold !== undefined ? { lagAlarmThreshold: props.lagAlarmThreshold } : {}),
        ...(props.lockedStreakMinutes !== undefined
          ? { lockedStreakMinutes: props.lockedStreakMinutes }
          : {}),
        ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      }),
    );
    this.acknowledgeNag();
  }

  /** The lock table: one item per `<topic>_<partition>` (fallback-poller/lock.ts). */
  private createLockTable(removalPolicy: RemovalPolicy): Table {
    return new Table(this, 'LockTable', {
      partitionKey: { name: 'topic_partition', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
    });
  }

  /** A truststore bucket with its own KMS key: SSL-only, versioned, no public access. */
  private createTruststoreBucket(sourceName: string, removalPolicy: RemovalPolicy): Bucket {
    const key = new Key(this, 'TruststoreKey', {
      enableKeyRotation: true,
      description: `Truststore bucket of the ${sourceName} fallback poller`,
      removalPolicy,
    });
    const bucket = new Bucket(this, 'TruststoreBucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy,
    });
    // `kafka-pipes truststore upload <source>` finds the bucket by this tag (its name is generated).
    Tags.of(bucket).add(SOURCE_TAG_KEY, sourceName);
    return bucket;
  }

  /** The poller Lambda with its log group and role, POLLER_CONFIG, the bundled truststore, the VPC. */
  private createFunction(props: FallbackPollerProps, logs: LogSettings): NodejsFunction {
    const { source } = props;
    const fn = nodeLambda(this, 'Function', {
      entry: join(props.projectRoot ?? process.cwd(), 'fallback-poller/handler.ts'),
      projectRoot: props.projectRoot ?? process.cwd(),
      memorySize: props.memorySize ?? 512,
      timeoutSeconds: pollerSettingsOf(source).timeoutSeconds,
      description: `Kafka fallback poller for ${source.name}${props.environment ? ` (${props.environment})` : ''}`,
      environment: {
        [POLLER_CONFIG_ENV]: Stack.of(this).toJsonString(this.runtimeConfig),
        POWERTOOLS_LOG_LEVEL: powertoolsLogLevel(source.logLevel),
      },
      ...logs,
      external: pollerExternals(source),
      bundling: truststoreBundling(pollerSettingsOf(source).truststore),
    });
    // The source's VPC (the brokers), else the VPC of a registry reachable only there.
    const vpc = source.vpc ?? registryVpcOf(source);
    if (vpc && fn.role) placeInVpc(fn, fn.role, vpc);
    return fn;
  }

  /** Least privilege: the stream, the DLQ, the lock items, the truststore object, the secrets, the rules. */
  private grantFunction(props: FallbackPollerProps): void {
    const { truststore, auth } = this.runtimeConfig;
    const role = this.function.role as Role;
    const stack = Stack.of(this);
    for (const statement of [
      ...dataPlaneStatements(props, this.truststoreBucket, truststore),
      ...kafkaClientStatements(props.source),
    ]) {
      role.addToPrincipalPolicy(statement);
    }
    const { partition, account, region } = stack;
    for (const grant of recordFormatsGrants(props.source, { partition, account, region })) {
      role.addToPrincipalPolicy(toPolicyStatement(grant));
    }
    this.lockTable.grant(this.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    const secrets = [
      ...(auth.secret ? [auth.secret] : []),
      ...(truststore.type === 'secret' ? [truststore.secret] : []),
    ];
    if (secrets.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadKafkaSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets,
        }),
      );
    }
    if (props.source.auth.kmsKeyArn) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'DecryptKafkaSecrets',
          actions: ['kms:Decrypt'],
          resources: [props.source.auth.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    const rules = props.rulesAppConfig;
    if (rules) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadRules',
          actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
          resources: [
            stack.formatArn({
              service: 'appconfig',
              resource: 'application',
              resourceName: `${rules.application}/environment/${rules.environment}/configuration/${rules.profile}`,
            }),
          ],
        }),
      );
    }
  }

  /**
   * The state machine running {@link definition}, with its logs and X-Ray, allowed to invoke the function.
   * The template carries the definition as a JSON object (`Definition`) with the function ARN in
   * `DefinitionSubstitutions`, so cfn-lint validates every state; a `DefinitionString` built with
   * `Fn::Join` would not be checked.
   */
  private createStateMachine(
    sourceName: string,
    templateDefinition: Record<string, unknown>,
    logs: LogSettings,
  ): StateMachine {
    const sfnLogs = new LogGroup(this, 'StateMachineLogs', logs);
    const stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromString(JSON.stringify(templateDefinition)),
      definitionSubstitutions: { [FUNCTION_ARN_SUBSTITUTION]: this.function.functionArn },
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: sfnLogs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.minutes(15),
      comment: `Kafka fallback poller for ${sourceName}`,
    });
    const cfn = stateMachine.node.defaultChild as CfnStateMachine;
    cfn.addPropertyDeletionOverride('DefinitionString');
    cfn.definition = templateDefinition;
    this.function.grantInvoke(stateMachine);
    return stateMachine;
  }

  private acknowledgeNag(): void {
    const ack = (target: Construct | undefined, id: string, reason: string) => {
      if (!target) return;
      Validations.of(target.node.defaultChild ?? target).acknowledge({ id, reason });
    };
    const runtimeReason =
      'The template pins nodejs22.x on purpose: the code is tested on Node 20/22 and upgraded deliberately.';
    ack(this.function, 'AwsSolutions::AwsSolutions-L1', runtimeReason);
    ack(this.function, 'Serverless::Serverless-LambdaLatestVersion', runtimeReason);
    ack(
      this.function,
      'Serverless::Serverless-LambdaDLQ',
      'The poller is invoked synchronously by Step Functions (Retry/Catch, failed executions alarm); poison records go to the enrichment DLQ.',
    );
    ack(
      this.function.role?.node.tryFindChild('DefaultPolicy') as Construct | undefined,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords and the EC2 network-interface actions of a VPC Lambda do not support resource-level permissions; every other statement is scoped.',
    );
    ack(
      this.scheduleDlq,
      'AwsSolutions::AwsSolutions-SQS3',
      'This queue IS the dead-letter queue of the poller schedule (failed state machine starts).',
    );
    ack(
      this.scheduleDlq,
      'Serverless::Serverless-SQSRedrivePolicy',
      'This queue IS the dead-letter queue of the poller schedule; a start lost here is retried by the next tick.',
    );
    if (this.truststoreBucket instanceof Bucket) {
      ack(
        this.truststoreBucket,
        'AwsSolutions::AwsSolutions-S1',
        'The truststore bucket holds public CA certificates only (no secrets), is versioned, KMS-encrypted, SSL-only and private; CloudTrail data events cover reads where required.',
      );
    }
  }
}

/** Retention and removal policy of a log group. */
interface LogSettings {
  readonly retention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** Powertools' log level for a source's `logLevel` (Powertools has no TRACE and calls OFF SILENT). */
function powertoolsLogLevel(level: SourceConfig['logLevel']): string {
  return level === 'TRACE' ? 'DEBUG' : level === 'OFF' ? 'SILENT' : level;
}

/** Bundling hooks copying a `truststore: {file}` into the bundle where POLLER_CONFIG points. */
function truststoreBundling(truststore: PollerConfig['truststore']): Partial<BundlingOptions> {
  if (!truststore || !('file' in truststore)) return {};
  const file = truststore.file;
  const target = bundledTruststorePath(file);
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        `mkdir -p "${outputDir}/${dirname(target)}"`,
        `cp "${join(inputDir, file)}" "${outputDir}/${target}"`,
      ],
    },
  };
}
