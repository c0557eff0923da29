/**
 * `KafkaSource`: the EventBridge Pipes source for self-managed Kafka (`smk://`), Amazon MSK and MSK
 * Serverless. The alpha module has no Kafka source (aws-cdk #29380, #29381), so this implements `ISource`.
 */
import type { IPipe, ISource, SourceConfig as PipeSourceConfig } from '@aws-cdk/aws-pipes-alpha';
import { Stack } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { toPolicyStatement } from './grant-statement.construct.js';
import { authKind, sourceKind } from './kinds/registry.js';
import type { GrantSpec, KafkaSourceSpec } from './kinds/types.js';
import { isFullSecretArn } from './secret-refs.js';
import { type AuthType, LIMITS, type SourceKind } from './source-schema.js';

export { parseClusterArn } from './kinds/sources/managed.js';

/** VPC placement of the Pipe's ENIs (self-managed sources). */
export interface KafkaSourceVpc {
  /** Subnet ids (1–16). */
  readonly subnetIds: readonly string[];
  /** Security group ids (1–5). */
  readonly securityGroupIds: readonly string[];
}

/** Properties of a {@link KafkaSource}. */
export interface KafkaSourceProps extends KafkaSourceSpec {
  /** Kind of cluster. */
  readonly kind: SourceKind;
  /** Authentication type. */
  readonly authType: AuthType;
  /** VPC placement (self-managed only). */
  readonly vpc?: KafkaSourceVpc;
}

/** ENI management for sources the Pipe reaches through a VPC (EC2 does not scope Describe* to resources). */
const PIPE_ENI_GRANT: GrantSpec = {
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
};

/** Validates construct props: batching limits, then the kind's and the auth type's own checks. */
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
  const kind = sourceKind(props.kind);
  if (!kind.authTypes.includes(props.authType)) {
    errors.push(`Auth type ${props.authType} is not supported for kind ${props.kind}`);
  }
  errors.push(...kind.validateSpec(props));
  if (authKind(props.authType).secret && !props.authSecret) {
    errors.push(`Auth type ${props.authType} needs authSecret`);
  }
  for (const [prop, ref] of [
    ['authSecret', props.authSecret],
    ['rootCaSecret', props.rootCaSecret],
  ] as const) {
    if (ref !== undefined && !isFullSecretArn(ref)) {
      errors.push(
        `${prop} must be the full secret ARN (…:secret:<name>-<6 characters>, from aws secretsmanager describe-secret --query ARN), received ${ref}`,
      );
    }
  }
  return errors;
}

/**
 * A Kafka source for an EventBridge Pipe, with least-privilege `grantRead`.
 *
 * @example new KafkaSource(scope, { kind: source.kind, clusterArn, topic: 't', ... })
 */
export class KafkaSource implements ISource {
  /** `smk://host:port` for self-managed, the cluster ARN for MSK kinds. */
  readonly sourceArn: string;
  private readonly scope: IConstruct;

  /**
   * @param scope any construct in the stack (its Region scopes the KMS grant).
   * @param props source settings; secrets by their full ARN.
   */
  constructor(
    scope: IConstruct,
    readonly props: KafkaSourceProps,
  ) {
    const errors = validateKafkaSourceProps(props);
    if (errors.length > 0) throw new Error(`Invalid KafkaSource: ${errors.join('; ')}`);
    this.scope = scope;
    this.sourceArn = sourceKind(props.kind).sourceArn(props);
  }

  /** Credentials union for the Pipe (exactly one member, or none for auth types without a secret). */
  private credentials(): Record<string, string> | undefined {
    const { authType, authSecret } = this.props;
    const member = authKind(authType).pipeCredential;
    return member && authSecret ? { [member]: authSecret } : undefined;
  }

  /** Source parameters for the Pipe: the shared ones, completed by the kind module. */
  bind(_pipe: IPipe): PipeSourceConfig {
    const p = this.props;
    const credentials = this.credentials();
    const shared = {
      topicName: p.topic,
      startingPosition: p.startingPosition,
      batchSize: p.batchSize,
      maximumBatchingWindowInSeconds: p.batchingWindowSeconds,
      consumerGroupId: p.consumerGroupId,
      ...(credentials ? { credentials } : {}),
    };
    const params = sourceKind(p.kind).pipeParameters(p, shared);
    return { sourceParameters: params };
  }

  /** The full ARNs of the secrets this source reads. */
  get secretRefs(): string[] {
    return [this.props.authSecret, this.props.rootCaSecret].filter((s): s is string => s !== undefined);
  }

  /** Whether the Pipe creates ENIs (VPC self-managed sources and every MSK source). */
  get usesVpc(): boolean {
    return sourceKind(this.props.kind).usesVpc(this.props);
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
    for (const grant of this.grants()) grantee.addToPrincipalPolicy(toPolicyStatement(grant));
  }

  /** The statements of {@link grantRead}, as data: secrets, KMS, ENIs, then the kind's and auth type's. */
  grants(): GrantSpec[] {
    const p = this.props;
    const secrets = this.secretRefs;
    const grants: GrantSpec[] = [];
    if (secrets.length > 0) {
      grants.push({
        sid: 'ReadKafkaSecrets',
        actions: ['secretsmanager:GetSecretValue'],
        resources: secrets,
      });
      if (p.secretsKmsKeyArn) {
        const region = Stack.of(this.scope).region;
        grants.push({
          sid: 'DecryptKafkaSecrets',
          actions: ['kms:Decrypt'],
          resources: [p.secretsKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } },
        });
      }
    }
    if (this.usesVpc) grants.push(PIPE_ENI_GRANT);
    grants.push(...sourceKind(p.kind).pipeGrants(p), ...authKind(p.authType).pipeGrants(p));
    return grants;
  }
}
