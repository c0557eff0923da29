/**
 * One stack per environment: a KMS key, the data-lake streams, one {@link KafkaPipe} per `engine: pipe`
 * source, one {@link FallbackPoller} per `engine: poller` source, alarms, one dashboard and an optional
 * SNS alarm topic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Duration, type RemovalPolicy, Stack, type StackProps, Tags, Token } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatIssues } from '../core/errors.js';
import { parseRules } from '../enrichment/rules/parse.js';
import {
  FallbackPoller,
  type PollerDeliveryTarget,
  streamDeliveryTarget,
} from '../fallback-poller/fallback-poller.construct.js';
import {
  DLQ_RETENTION_DAYS,
  KafkaPipe,
  sourceConstructId,
  toRetentionDays,
} from '../pipes/kafka-pipe.construct.js';
import { checkServiceRules, targetKind } from '../pipes/kinds/registry.js';
import { type TargetDestination, targetConstructOf } from '../pipes/kinds/targets.construct.js';
import type { LoadedSource } from '../pipes/load-sources.js';
import {
  DEFAULTS,
  SOURCE_TAG_KEY,
  type SourceConfig,
  streamKeyOf,
  streamPhysicalName,
  streamShardsOf,
} from '../pipes/source-schema.js';
import { RulesAppConfig } from './rules-appconfig.construct.js';

/** Properties of {@link KafkaPipesStack}. */
export interface KafkaPipesStackProps extends StackProps {
  /** Environment name (`dev`, `prod`). */
  readonly environment: string;
  /** The validated catalogue. */
  readonly sources: readonly LoadedSource[];
  /** Repository root: Lambda entries and rules files resolve against it. */
  readonly projectRoot: string;
  /** Create the SNS alarm topic. */
  readonly alarmTopic: boolean;
  /** Removal policy of stateful resources. */
  readonly removalPolicy: RemovalPolicy;
}

/** The Kafka ingestion stack of one environment. */
export class KafkaPipesStack extends Stack {
  /** Customer managed key encrypting streams, queues and the alarm topic. */
  readonly dataKey: Key;
  /** Streams by name (before the environment suffix). */
  readonly streams = new Map<string, Stream>();
  /** One KafkaPipe per pipe source, by source name. */
  readonly pipes = new Map<string, KafkaPipe>();
  /** Fallback pollers by source name. */
  readonly pollers = new Map<string, FallbackPoller>();
  /** The destinations target types own (e.g. Firehose streams), by source name. */
  readonly destinations = new Map<string, TargetDestination>();
  /** Enrichment DLQs of the poller sources, by source name. */
  readonly pollerDlqs = new Map<string, Queue>();
  /** Alarm topic, when enabled. */
  readonly alarmTopic?: Topic;
  /** The dashboard of all sources. */
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: KafkaPipesStackProps) {
    super(scope, id, {
      description: `Kafka ingestion through EventBridge Pipes (${props.environment})`,
      ...props,
    });
    const { environment } = props;
    this.checkServiceRules(props.sources);
    this.dataKey = new Key(this, 'DataKey', {
      description: `Encrypts Kafka ingestion streams, queues and alarm topic (${environment})`,
      enableKeyRotation: true,
      alias: `alias/kafka-pipes-${environment}`,
      removalPolicy: props.removalPolicy,
    });
    if (props.alarmTopic) this.alarmTopic = this.createAlarmTopic(environment);
    for (const { source } of props.sources) {
      if (targetKind(source.target.type).usesStream) this.streamFor(source, environment, props.removalPolicy);
    }
    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# Kafka ingestion (${environment})\nOne row per source: Pipe executions, enrichment, DLQs.`,
          width: 24,
          height: 2,
        }),
      ],
    ];
    for (const entry of props.sources) {
      const kp = this.addSource(entry, props);
      if (kp) widgets.push(this.sourceRow(kp));
      const destination = this.destinations.get(entry.source.name);
      if (destination) widgets.push([...destination.widgets]);
    }
    for (const [name, stream] of this.streams) widgets.push(this.streamAlarmRow(name, stream, environment));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `kafka-pipes-${environment}`,
      widgets,
    });
  }

  /**
   * The AWS service rules that need the stack's account and Region (e.g. an MSK cluster in the stack's own
   * account and Region); the loader already ran the others. Env-agnostic stacks skip them.
   * @throws ConfigError listing every violation.
   */
  private checkServiceRules(sources: readonly LoadedSource[]): void {
    if (Token.isUnresolved(this.account) || Token.isUnresolved(this.region)) return;
    const context = { account: this.account, region: this.region };
    const issues = sources.flatMap(({ file, source }) => checkServiceRules(source, { file, ...context }));
    if (issues.length > 0) {
      throw new ConfigError(
        `${issues.length} service rule violation${issues.length === 1 ? '' : 's'} for account ${this.account}, Region ${this.region}:\n${formatIssues(issues)}`,
        issues,
      );
    }
  }

  /** The alarm topic, encrypted with the data key (which CloudWatch alarms may use to publish). */
  private createAlarmTopic(environment: string): Topic {
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: `Kafka ingestion alarms (${environment})`,
      masterKey: this.dataKey,
      enforceSSL: true,
    });
    this.dataKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    return topic;
  }

  /** One source: its rules in AppConfig, then a {@link KafkaPipe} or a {@link FallbackPoller}. */
  private addSource(entry: LoadedSource, props: KafkaPipesStackProps): KafkaPipe | undefined {
    const { source } = entry;
    const { environment, removalPolicy, projectRoot } = props;
    const cid = sourceConstructId(source.name);
    const stream = targetKind(source.target.type).usesStream
      ? this.streamFor(source, environment, removalPolicy)
      : undefined;
    const destination = this.destinationFor(source, cid, environment, removalPolicy);
    const rules = this.rulesFor(entry, projectRoot, environment, cid);
    const shared = {
      environment,
      removalPolicy,
      ...(rules ? { rulesAppConfig: rules.coordinates } : {}),
      ...(this.alarmTopic ? { alarmTopic: this.alarmTopic } : {}),
    };
    if (source.engine === 'poller') {
      const dlq = this.pollerDlq(source, cid, removalPolicy);
      this.pollers.set(
        source.name,
        new FallbackPoller(this, `${cid}Poller`, {
          source,
          target: this.pollerTargetOf(source, stream, destination),
          enrichmentDlq: dlq,
          projectRoot,
          ...shared,
        }),
      );
      return undefined;
    }
    const kp = new KafkaPipe(this, cid, {
      source,
      ...(stream ? { stream } : {}),
      ...(destination ? { destination } : {}),
      dataKey: this.dataKey,
      code: {
        enrichmentEntry: join(projectRoot, 'enrichment/handler.ts'),
        sinkEntry: join(projectRoot, 'targets/sink-handler.ts'),
        projectRoot,
      },
      ...shared,
    });
    rules?.grantRead(kp.enrichmentFunction);
    this.pipes.set(source.name, kp);
    return kp;
  }

  /** What a poller source writes: its target type's own destination, else the data-lake stream. */
  private pollerTargetOf(
    source: SourceConfig,
    stream: Stream | undefined,
    destination: TargetDestination | undefined,
  ): PollerDeliveryTarget {
    if (destination) return destination;
    if (stream) return streamDeliveryTarget(stream);
    throw new Error(
      `source ${source.name}: target type ${source.target.type} has no destination the poller can write`,
    );
  }

  /** The destination the source's target type owns (e.g. its Firehose stream), with the alarm topic on its alarms. */
  private destinationFor(
    source: SourceConfig,
    cid: string,
    environment: string,
    removalPolicy: RemovalPolicy,
  ): TargetDestination | undefined {
    const destination = targetConstructOf(source).destination?.({
      scope: this,
      id: `${cid}Destination`,
      source,
      environment,
      dataKey: this.dataKey,
      retention: toRetentionDays(source.logRetentionDays),
      removalPolicy,
    });
    if (!destination) return undefined;
    const topic = this.alarmTopic;
    if (topic) for (const alarm of destination.alarms) alarm.addAlarmAction(new SnsAction(topic));
    this.destinations.set(source.name, destination);
    return destination;
  }

  /** The enrichment DLQ of a poller source, tagged like a Pipe's (`kafka-pipes dlq <source>` finds it). */
  private pollerDlq(source: SourceConfig, cid: string, removalPolicy: RemovalPolicy): Queue {
    const dlq = new Queue(this, `${cid}PollerDlq`, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
      removalPolicy,
    });
    for (const [key, value] of Object.entries(source.tags ?? {})) Tags.of(dlq).add(key, value);
    Tags.of(dlq).add(SOURCE_TAG_KEY, source.name);
    this.pollerDlqs.set(source.name, dlq);
    return dlq;
  }

  /** The write-throttled alarm of a stream, and its dashboard row. */
  private streamAlarmRow(name: string, stream: Stream, environment: string): IWidget[] {
    const alarm = new Alarm(this, `${sourceConstructId(name)}WriteThrottledAlarm`, {
      alarmName: `${stream.node.id}-${environment}-WriteProvisionedThroughputExceeded`.slice(0, 255),
      alarmDescription: `Writes to stream ${name} were throttled`,
      metric: stream.metricWriteProvisionedThroughputExceeded({
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (this.alarmTopic) alarm.addAlarmAction(new SnsAction(this.alarmTopic));
    return [
      new GraphWidget({
        title: `Stream ${name}`,
        left: [stream.metricIncomingRecords({ statistic: 'Sum' })],
        right: [stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum' })],
        width: 24,
      }),
    ];
  }

  private streamFor(source: SourceConfig, environment: string, removalPolicy: RemovalPolicy): Stream {
    const key = streamKeyOf(source);
    const existing = this.streams.get(key);
    if (existing) return existing;
    const shards = streamShardsOf(source);
    const stream = new Stream(this, `${sourceConstructId(key)}Stream`, {
      streamName: streamPhysicalName(source, environment),
      encryption: StreamEncryption.KMS,
      encryptionKey: this.dataKey,
      ...(shards
        ? { streamMode: StreamMode.PROVISIONED, shardCount: shards }
        : { streamMode: StreamMode.ON_DEMAND }),
      removalPolicy,
    });
    this.streams.set(key, stream);
    return stream;
  }

  /**
   * Publishes a non-default rules file to AppConfig after validating it with the enrichment's parser.
   * @throws ConfigError naming the source file when the rules file is missing, or the rules file's issues.
   */
  private rulesFor(
    entry: LoadedSource,
    root: string,
    environment: string,
    cid: string,
  ): RulesAppConfig | undefined {
    const { source, file } = entry;
    if (source.rules === DEFAULTS.rules) return undefined;
    const path = isAbsolute(source.rules) ? source.rules : join(root, source.rules);
    if (!existsSync(path)) {
      const issue = {
        file,
        field: 'rules',
        message: `Rules file ${JSON.stringify(source.rules)} does not exist`,
        fix: `point rules at a file relative to the repository root, e.g. ${DEFAULTS.rules}`,
      };
      throw new ConfigError(`1 problem in 1 source file:\n${formatIssues([issue])}`, [issue]);
    }
    const text = readFileSync(path, 'utf8');
    parseRules(text, source.rules);
    const rulesJson = JSON.stringify(parseYaml(text));
    return new RulesAppConfig(this, `${cid}Rules`, { sourceName: source.name, environment, rulesJson });
  }

  private sourceRow(kp: KafkaPipe): IWidget[] {
    const name = kp.resourcePrefix;
    const row: IWidget[] = [
      new GraphWidget({
        title: `${name}: Pipe`,
        left: [
          kp.pipeMetric('Invocations'),
          kp.pipeMetric('ExecutionFailed'),
          kp.pipeMetric('ExecutionPartiallyFailed'),
        ],
        right: [kp.pipeMetric('ExecutionThrottled'), kp.pipeMetric('ExecutionTimeout')],
        width: 8,
      }),
      new GraphWidget({
        title: `${name}: enrichment`,
        left: [kp.enrichmentFunction.metricInvocations(), kp.enrichmentFunction.metricErrors()],
        right: [kp.enrichmentFunction.metricDuration({ statistic: 'p99' })],
        width: 8,
      }),
    ];
    const dlqs = [kp.enrichmentDlq.metricApproximateNumberOfMessagesVisible({ label: 'enrichment DLQ' })];
    if (kp.targetDlq)
      dlqs.push(kp.targetDlq.metricApproximateNumberOfMessagesVisible({ label: 'target DLQ' }));
    row.push(new GraphWidget({ title: `${name}: DLQs`, left: dlqs, width: 8 }));
    return row;
  }
}
