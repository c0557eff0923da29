/**
 * FallbackPoller: the engine for Kafka sources a Pipe cannot read (trust chain over 65,536 bytes,
 * PBES2-encrypted client key). Reproduces seed 000 — an EventBridge schedule every minute starts a
 * Step Functions execution that invokes the poller Lambda `iterations` × `partitions` times — with a
 * DynamoDB lock table, a KMS-encrypted SSL-only truststore bucket, log groups and alarms.
 */
import { basename, join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { authKind, kafkaClientSettings } from '../pipes/kinds/registry.js';
import { LAMBDA_BUNDLING } from '../pipes/lambda-bundling.js';
import type { SourceConfig } from '../pipes/source-schema.js';
import { POLLER_CONFIG_ENV, type PollerRuntimeConfig } from './config.js';
import { POLLER_METRICS } from './metrics.js';
import { buildPollerDefinition, scheduleInput } from './state-machine.js';

/** Properties of {@link FallbackPoller}. */
export interface FallbackPollerProps {
  /** The validated source (`engine: poller`, with a `poller` block and `brokers`). */
  readonly source: SourceConfig;
  /** Kinesis stream the canonical records go to. */
  readonly targetStream: IStream;
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
  if (!source.brokers || source.brokers.length === 0) {
    problems.push('brokers are required by the poller engine: list the bootstrap brokers (host:port)');
  }
  const auth = authKind(source.auth.type);
  if (!auth.client.supported)
    problems.push(`auth type ${auth.type} is not supported by the poller engine (${auth.client.reason})`);
  if (auth.secret && !source.auth.secret)
    problems.push(`auth.secret is required for auth type ${source.auth.type}`);
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
  /** The Step Functions state machine (iterations × partitions). */
  readonly stateMachine: StateMachine;
  /** The one-minute schedule. */
  readonly schedule: Rule;
  /** Alarms: 503 answers, 203 streak, enrichment DLQ depth, lag, failed executions. */
  readonly alarms: Alarm[] = [];
  /** The ASL definition as deployed. */
  readonly definition: Record<string, unknown>;
  /** The runtime settings written to POLLER_CONFIG. */
  readonly runtimeConfig: PollerRuntimeConfig;

  constructor(scope: Construct, id: string, props: FallbackPollerProps) {
    super(scope, id);
    validateFallbackPollerProps(props);
    const { source } = props;
    const poller = source.poller as NonNullable<SourceConfig['poller']>;
    const stream = props.targetStream;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const projectRoot = props.projectRoot ?? process.cwd();
    const stack = Stack.of(this);

    this.lockTable = new Table(this, 'LockTable', {
      partitionKey: { name: 'topic_partition', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
    });

    if (props.truststoreBucket) {
      this.truststoreBucket = props.truststoreBucket;
    } else {
      const key = new Key(this, 'TruststoreKey', {
        enableKeyRotation: true,
        description: `Truststore bucket of the ${source.name} fallback poller`,
        removalPolicy,
      });
      this.truststoreBucket = new Bucket(this, 'TruststoreBucket', {
        encryption: BucketEncryption.KMS,
        encryptionKey: key,
        bucketKeyEnabled: true,
        enforceSSL: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        versioned: true,
        removalPolicy,
      });
    }

    const truststore: PollerRuntimeConfig['truststore'] = poller.truststore
      ? 's3Key' in poller.truststore
        ? { type: 's3', bucket: this.truststoreBucket.bucketName, key: poller.truststore.s3Key }
        : 'secret' in poller.truststore
          ? { type: 'secret', secret: poller.truststore.secret }
          : { type: 'file', path: `truststore/${basename(poller.truststore.file)}` }
      : source.rootCaSecret
        ? { type: 'secret', secret: source.rootCaSecret }
        : { type: 'default' };
    const brokers = source.brokers as string[];
    // TLS when the auth type or the kind implies it, or with a private CA (pipes/kinds/registry.ts).
    const client = kafkaClientSettings(source, truststore.type !== 'default');
    const auth: PollerRuntimeConfig['auth'] = {
      type: source.auth.type,
      ...(client.auth.secret ? { secret: source.auth.secret as string } : {}),
    };
    const tls = client.tls;

    const logGroup = new LogGroup(this, 'FunctionLogs', { retention, removalPolicy });
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Fallback poller ${source.name} (execution role)`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const fileTruststore =
      poller.truststore && 'file' in poller.truststore ? poller.truststore.file : undefined;
    // The runtime config is completed with the function-independent values now; the stream name and
    // table name are tokens resolved at deploy time.
    this.runtimeConfig = {
      sourceName: source.name,
      topic: source.topic,
      groupId: source.consumerGroupId,
      startingPosition: source.startingPosition,
      eventSource: client.eventSource,
      cluster: client.cluster,
      brokers,
      tls,
      truststore,
      auth,
      partitionKey: source.target.partitionKey,
      streamName: stream.streamName,
      dlqUrl: props.enrichmentDlq.queueUrl,
      lockTable: this.lockTable.tableName,
      maxRecordsPerInvocation: poller.maxRecordsPerInvocation,
      lockTtlSeconds: poller.lockTtlSeconds,
      ...(props.rulesAppConfig ? { rulesAppConfig: { ...props.rulesAppConfig } } : {}),
    };

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(projectRoot, 'fallback-poller/handler.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: Duration.seconds(poller.timeoutSeconds),
      description: `Kafka fallback poller for ${source.name}${props.environment ? ` (${props.environment})` : ''}`,
      environment: {
        [POLLER_CONFIG_ENV]: stack.toJsonString(this.runtimeConfig),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_LOG_LEVEL:
          source.logLevel === 'TRACE' ? 'DEBUG' : source.logLevel === 'OFF' ? 'SILENT' : source.logLevel,
      },
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      bundling: {
        ...LAMBDA_BUNDLING,
        ...(fileTruststore
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (inputDir: string, outputDir: string) => [
                  `mkdir -p "${outputDir}/truststore"`,
                  `cp "${join(inputDir, fileTruststore)}" "${outputDir}/truststore/${basename(fileTruststore)}"`,
                ],
              },
            }
          : {}),
      },
    });
    if (source.vpc) {
      const cfn = this.function.node.defaultChild as CfnFunction;
      cfn.vpcConfig = { subnetIds: source.vpc.subnetIds, securityGroupIds: source.vpc.securityGroupIds };
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'VpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    stream.grantWrite(this.function);
    props.enrichmentDlq.grantSendMessages(this.function);
    this.lockTable.grant(this.function, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    if (truststore.type === 's3') this.truststoreBucket.grantRead(this.function, truststore.key);
    const secrets = [
      ...(auth.secret ? [auth.secret] : []),
      ...(truststore.type === 'secret' ? [truststore.secret] : []),
    ];
    if (secrets.length > 0) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadKafkaSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((s) =>
            s.startsWith('arn:')
              ? s
              : stack.formatArn({
                  service: 'secretsmanager',
                  resource: 'secret',
                  resourceName: `${s}-??????`,
                  arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                }),
          ),
        }),
      );
    }
    if (source.auth.kmsKeyArn) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'DecryptKafkaSecrets',
          actions: ['kms:Decrypt'],
          resources: [source.auth.kmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    if (props.rulesAppConfig) {
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'ReadRules',
          actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
          resources: [
            stack.formatArn({
              service: 'appconfig',
              resource: 'application',
              resourceName: `${props.rulesAppConfig.application}/environment/${props.rulesAppConfig.environment}/configuration/${props.rulesAppConfig.profile}`,
            }),
          ],
        }),
      );
    }

    this.definition = buildPollerDefinition({
      functionArn: this.function.functionArn,
      sourceName: source.name,
      taskTimeoutSeconds: poller.timeoutSeconds + 30,
    });
    const sfnLogs = new LogGroup(this, 'StateMachineLogs', { retention, removalPolicy });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      definitionBody: DefinitionBody.fromString(stack.toJsonString(this.definition)),
      stateMachineType: StateMachineType.STANDARD,
      tracingEnabled: true,
      logs: { destination: sfnLogs, level: LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.minutes(15),
      comment: `Kafka fallback poller for ${source.name}`,
    });
    this.function.grantInvoke(this.stateMachine);

    this.schedule = new Rule(this, 'Schedule', {
      description: `Every minute: poll ${source.name} (seed 000)`,
      schedule: Schedule.rate(Duration.minutes(1)),
      enabled: source.desiredState === 'RUNNING',
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromObject(
            scheduleInput({
              iterations: poller.iterations,
              partitions: poller.partitions,
              secondsWait: poller.secondsWait,
              lambdaName: this.function.functionName,
            }),
          ),
        }),
      ],
    });

    this.addAlarms(props, source.name);
    this.acknowledgeNag();
  }

  private metric(name: string, statistic: string, period: Duration, sourceName: string): Metric {
    return new Metric({
      namespace: 'KafkaPipes',
      metricName: name,
      dimensionsMap: { service: 'fallback-poller', source: sourceName },
      statistic,
      period,
    });
  }

  private addAlarms(props: FallbackPollerProps, sourceName: string): void {
    const minute = Duration.minutes(1);
    const streak = props.lockedStreakMinutes ?? 5;
    const specs = [
      {
        id: 'CompletelyFailedAlarm',
        description: `${sourceName}: a poll found records and delivered none (503)`,
        metric: this.metric(POLLER_METRICS.status503, 'Sum', Duration.minutes(5), sourceName),
        threshold: 1,
        periods: 1,
      },
      {
        id: 'LockedStreakAlarm',
        description: `${sourceName}: a partition answered 203 (locked by another reader) ${streak} minutes in a row`,
        metric: this.metric(POLLER_METRICS.status203, 'Sum', minute, sourceName),
        threshold: 1,
        periods: streak,
      },
      {
        id: 'EnrichmentDlqDepthAlarm',
        description: `${sourceName}: records the enrichment could not normalize are waiting in the poller's DLQ`,
        metric: props.enrichmentDlq.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        periods: 1,
      },
      {
        id: 'LagAlarm',
        description: `${sourceName}: consumer lag above ${props.lagAlarmThreshold ?? 100_000} records for 15 minutes`,
        metric: this.metric(POLLER_METRICS.lag, 'Maximum', Duration.minutes(5), sourceName),
        threshold: props.lagAlarmThreshold ?? 100_000,
        periods: 3,
      },
    ];
    for (const s of specs) {
      this.alarms.push(
        new Alarm(this, s.id, {
          alarmDescription: s.description,
          metric: s.metric,
          threshold: s.threshold,
          evaluationPeriods: s.periods,
          datapointsToAlarm: s.periods,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    this.alarms.push(
      new Alarm(this, 'ExecutionsFailedAlarm', {
        alarmDescription: `${sourceName}: a poller state machine execution failed`,
        metric: this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    if (props.alarmTopic) {
      for (const alarm of this.alarms) alarm.addAlarmAction(new SnsAction(props.alarmTopic));
    }
  }

  private acknowledgeNag(): void {
    const ack = (target: Construct | undefined, id: string, reason: string) => {
      if (!target) return;
      Validations.of(target.node.defaultChild ?? target).acknowledge({ id, reason });
    };
    const runtimeReason =
      'The template pins nodejs22.x on purpose (design.md §3): the code is tested on Node 20/22 and upgraded deliberately.';
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
    if (this.truststoreBucket instanceof Bucket) {
      ack(
        this.truststoreBucket,
        'AwsSolutions::AwsSolutions-S1',
        'The truststore bucket holds public CA certificates only (no secrets), is versioned, KMS-encrypted, SSL-only and private; CloudTrail data events cover reads where required.',
      );
    }
  }
}
