/**
 * `KafkaSource`: the EventBridge Pipes source for self-managed Kafka (`smk://`), Amazon MSK and MSK
 * Serverless. The alpha module has no Kafka source (aws-cdk #29380, #29381), so this implements `ISource`.
 */
import type { IPipe, ISource, SourceConfig as PipeSourceConfig } from '@aws-cdk/aws-pipes-alpha';
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { IConstruct } from 'constructs';
import { AUTH_BY_KIND } from './source-rules.js';
import { type AuthType, LIMITS, type SourceKind } from './source-schema.js';

/** VPC placement of the Pipe's ENIs (self-managed sources). */
export interface KafkaSourceVpc {
  /** Subnet ids (1–16). */
  readonly subnetIds: readonly string[];
  /** Security group ids (1–5). */
  readonly securityGroupIds: readonly string[];
}

/** Properties of a {@link KafkaSource}. */
export interface KafkaSourceProps {
  /** Kind of cluster. */
  readonly kind: SourceKind;
  /** `host:port` bootstrap brokers (self-managed only, 1–3). The first one makes the `smk://` source. */
  readonly brokers?: readonly string[];
  /** MSK / MSK Serverless cluster ARN (msk kinds only). */
  readonly clusterArn?: string;
  /** Topic to read. */
  readonly topic: string;
  /** Consumer group id. */
  readonly consumerGroupId: string;
  /** TRIM_HORIZON or LATEST. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Records per batch (1–10000). */
  readonly batchSize: number;
  /** Batching window in seconds (0–300). */
  readonly batchingWindowSeconds: number;
  /** Authentication type. */
  readonly authType: AuthType;
  /** Credentials secret: ARN or name (required for mtls, sasl-scram-*, basic). */
  readonly authSecret?: string;
  /** Customer managed KMS key ARN encrypting the secrets (adds kms:Decrypt via Secrets Manager). */
  readonly secretsKmsKeyArn?: string;
  /** Secret with the server root CA (self-managed only): ARN or name. */
  readonly rootCaSecret?: string;
  /** VPC placement (self-managed only). */
  readonly vpc?: KafkaSourceVpc;
}

const SECRET_ARN_PATTERN = /^arn:aws[a-z-]*:secretsmanager:/;

/** Splits an MSK cluster ARN `arn:<p>:kafka:<r>:<a>:cluster/<name>/<uuid>` into its parts. */
export function parseClusterArn(arn: string): { prefix: string; clusterName: string; clusterUuid: string } {
  const match = /^(arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}):cluster\/([^/]+)\/([^/]+)$/.exec(arn);
  if (!match) {
    throw new Error(
      `Cluster ARN must look like arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>, received ${arn}`,
    );
  }
  return { prefix: match[1] as string, clusterName: match[2] as string, clusterUuid: match[3] as string };
}

/** Validates construct props (design.md §5: construct-level checks with the received value). */
export function validateKafkaSourceProps(props: KafkaSourceProps): string[] {
  const errors: string[] = [];
  const { BATCH_SIZE_MIN, BATCH_SIZE_MAX, BATCHING_WINDOW_SECONDS_MIN, BATCHING_WINDOW_SECONDS_MAX } = LIMITS;
  if (
    !Number.isInteger(props.batchSize) ||
    props.batchSize < BATCH_SIZE_MIN ||
    props.batchSize > BATCH_SIZE_MAX
  ) {
    errors.push(
      `Batch size must be between ${BATCH_SIZE_MIN} and ${BATCH_SIZE_MAX}, received ${props.batchSize}`,
    );
  }
  const w = props.batchingWindowSeconds;
  if (!Number.isInteger(w) || w < BATCHING_WINDOW_SECONDS_MIN || w > BATCHING_WINDOW_SECONDS_MAX) {
    errors.push(
      `Batching window must be between ${BATCHING_WINDOW_SECONDS_MIN} and ${BATCHING_WINDOW_SECONDS_MAX} seconds, received ${w}`,
    );
  }
  if (!AUTH_BY_KIND[props.kind].includes(props.authType)) {
    errors.push(`Auth type ${props.authType} is not supported for kind ${props.kind}`);
  }
  if (props.kind === 'self-managed') {
    const n = props.brokers?.length ?? 0;
    if (n < 1 || n > LIMITS.BROKERS_MAX) {
      errors.push(`A self-managed source needs 1 to ${LIMITS.BROKERS_MAX} brokers, received ${n}`);
    }
  } else {
    if (!props.clusterArn) errors.push(`A ${props.kind} source needs clusterArn`);
    if (props.rootCaSecret) errors.push(`rootCaSecret is not supported for kind ${props.kind}`);
    if (props.vpc) errors.push(`vpc is not supported for kind ${props.kind}`);
    if (props.brokers?.length) errors.push(`brokers are not supported for kind ${props.kind}`);
  }
  const needsSecret = ['mtls', 'basic', 'sasl-scram-256', 'sasl-scram-512'].includes(props.authType);
  if (needsSecret && !props.authSecret) errors.push(`Auth type ${props.authType} needs authSecret`);
  return errors;
}

/**
 * A Kafka source for an EventBridge Pipe, with least-privilege `grantRead`.
 *
 * @example new KafkaSource(scope, { kind: 'msk', clusterArn, topic: 't', ... })
 */
export class KafkaSource implements ISource {
  /** `smk://host:port` for self-managed, the cluster ARN for MSK kinds. */
  readonly sourceArn: string;
  private readonly scope: IConstruct;

  /**
   * @param scope any construct in the stack (used to format secret ARNs from names).
   * @param props source settings.
   */
  constructor(
    scope: IConstruct,
    readonly props: KafkaSourceProps,
  ) {
    const errors = validateKafkaSourceProps(props);
    if (errors.length > 0) throw new Error(`Invalid KafkaSource: ${errors.join('; ')}`);
    this.scope = scope;
    this.sourceArn =
      props.kind === 'self-managed' ? `smk://${props.brokers?.[0]}` : (props.clusterArn as string);
  }

  /** Resolves a secret reference (ARN or name) to the ARN given to the Pipe. */
  secretArn(ref: string): string {
    if (SECRET_ARN_PATTERN.test(ref)) return ref;
    return Stack.of(this.scope).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: ref,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** IAM resource for a secret: the exact ARN, or `<name>-??????` for a name (Secrets Manager suffix). */
  private secretPolicyResource(ref: string): string {
    return SECRET_ARN_PATTERN.test(ref) ? ref : `${this.secretArn(ref)}-??????`;
  }

  /** Credentials union for the Pipe (exactly one member, or none for `none` / `iam`). */
  private credentials(): Record<string, string> | undefined {
    const { authType, authSecret } = this.props;
    if (!authSecret) return undefined;
    const arn = this.secretArn(authSecret);
    switch (authType) {
      case 'mtls':
        return { clientCertificateTlsAuth: arn };
      case 'sasl-scram-512':
        return { saslScram512Auth: arn };
      case 'sasl-scram-256':
        return { saslScram256Auth: arn };
      case 'basic':
        return { basicAuth: arn };
      default:
        return undefined;
    }
  }

  /** Source parameters for the Pipe. */
  bind(_pipe: IPipe): PipeSourceConfig {
    const p = this.props;
    const credentials = this.credentials();
    if (p.kind === 'self-managed') {
      const params: CfnPipe.PipeSourceSelfManagedKafkaParametersProperty = {
        topicName: p.topic,
        startingPosition: p.startingPosition,
        batchSize: p.batchSize,
        maximumBatchingWindowInSeconds: p.batchingWindowSeconds,
        consumerGroupId: p.consumerGroupId,
        ...((p.brokers?.length ?? 0) > 1 ? { additionalBootstrapServers: p.brokers?.slice(1) } : {}),
        ...(credentials ? { credentials } : {}),
        ...(p.rootCaSecret ? { serverRootCaCertificate: this.secretArn(p.rootCaSecret) } : {}),
        ...(p.vpc
          ? { vpc: { subnets: [...p.vpc.subnetIds], securityGroup: [...p.vpc.securityGroupIds] } }
          : {}),
      };
      return { sourceParameters: { selfManagedKafkaParameters: params } };
    }
    const params: CfnPipe.PipeSourceManagedStreamingKafkaParametersProperty = {
      topicName: p.topic,
      startingPosition: p.startingPosition,
      batchSize: p.batchSize,
      maximumBatchingWindowInSeconds: p.batchingWindowSeconds,
      consumerGroupId: p.consumerGroupId,
      ...(credentials ? { credentials } : {}),
    };
    return { sourceParameters: { managedStreamingKafkaParameters: params } };
  }

  /** The secret references this source reads. */
  get secretRefs(): string[] {
    return [this.props.authSecret, this.props.rootCaSecret].filter((s): s is string => s !== undefined);
  }

  /** Whether the Pipe creates ENIs (VPC self-managed sources and every MSK source). */
  get usesVpc(): boolean {
    return this.props.kind !== 'self-managed' || this.props.vpc !== undefined;
  }

  /**
   * Grants the Pipe role exactly what reading this source needs:
   * - `secretsmanager:GetSecretValue` on the credential / root CA secrets,
   * - `kms:Decrypt` on the secrets key, only via Secrets Manager (when a customer managed key is named),
   * - ENI management for VPC sources (EC2 does not scope Describe* to resources: `*`),
   * - `kafka:DescribeClusterV2` / `kafka:GetBootstrapBrokers` on the MSK cluster,
   * - for IAM auth `kafka-cluster:Connect` on the cluster, `DescribeTopic`/`ReadData` on the topic and
   *   `DescribeGroup`/`AlterGroup` on the consumer group.
   */
  grantRead(grantee: IRole): void {
    const p = this.props;
    const add = (statement: PolicyStatement) => grantee.addToPrincipalPolicy(statement);
    const secrets = this.secretRefs;
    if (secrets.length > 0) {
      add(
        new PolicyStatement({
          sid: 'ReadKafkaSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((s) => this.secretPolicyResource(s)),
        }),
      );
      if (p.secretsKmsKeyArn) {
        add(
          new PolicyStatement({
            sid: 'DecryptKafkaSecrets',
            actions: ['kms:Decrypt'],
            resources: [p.secretsKmsKeyArn],
            conditions: {
              StringEquals: {
                'kms:ViaService': `secretsmanager.${Stack.of(this.scope).region}.amazonaws.com`,
              },
            },
          }),
        );
      }
    }
    if (this.usesVpc) {
      add(
        new PolicyStatement({
          sid: 'ManagePipeEnis',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
          ],
          resources: ['*'],
        }),
      );
    }
    if (p.kind !== 'self-managed' && p.clusterArn) {
      add(
        new PolicyStatement({
          sid: 'DescribeMskCluster',
          actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
          resources: [p.clusterArn],
        }),
      );
      if (p.authType === 'iam') {
        const { prefix, clusterName, clusterUuid } = parseClusterArn(p.clusterArn);
        add(
          new PolicyStatement({
            sid: 'ConnectMskCluster',
            actions: ['kafka-cluster:Connect'],
            resources: [p.clusterArn],
          }),
        );
        add(
          new PolicyStatement({
            sid: 'ReadMskTopic',
            actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
            resources: [`${prefix}:topic/${clusterName}/${clusterUuid}/${p.topic}`],
          }),
        );
        add(
          new PolicyStatement({
            sid: 'UseMskConsumerGroup',
            actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
            resources: [`${prefix}:group/${clusterName}/${clusterUuid}/${p.consumerGroupId}`],
          }),
        );
      }
    }
  }
}
