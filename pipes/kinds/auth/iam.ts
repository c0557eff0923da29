/**
 * Auth type `iam`: MSK IAM access control. The Pipe role gets the `kafka-cluster:*` actions the Pipes MSK
 * page lists: `Connect` on the cluster, `DescribeTopic`/`ReadData` on the topic, `DescribeGroup`/`AlterGroup`
 * on the consumer group (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-msk.html); the
 * poller's role the same plus `DescribeCluster` on the cluster, on the cluster, topic and group ARNs of
 * https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
 * (`arn:aws:kafka:<region>:<account>:topic/<cluster name>/<cluster uuid>/<topic>`, `…:group/…/<group>`).
 * The project's Kafka clients authenticate with SASL/OAUTHBEARER and a token signed for the cluster's Region
 * (core/kafka/msk-iam-token.ts), on the cluster's SASL/IAM listener (GetBootstrapBrokers
 * `BootstrapBrokerStringSaslIam`, else the public one).
 */
import { MSK_IAM_SIGNER_PACKAGE, mskIamSasl } from '../../../core/kafka/msk-iam-token.js';
import { parseClusterArn } from '../sources/managed.js';
import type { AuthKind, GrantSpec, KafkaSourceSpec } from '../types.js';

/** The cluster, topic and group grants of an IAM client; `clusterActions` on the cluster. */
function kafkaClusterGrants(spec: KafkaSourceSpec, clusterActions: readonly string[]): GrantSpec[] {
  if (!spec.clusterArn) return [];
  const { prefix, clusterName, clusterUuid } = parseClusterArn(spec.clusterArn);
  return [
    { sid: 'ConnectMskCluster', actions: [...clusterActions], resources: [spec.clusterArn] },
    {
      sid: 'ReadMskTopic',
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      resources: [`${prefix}:topic/${clusterName}/${clusterUuid}/${spec.topic}`],
    },
    {
      sid: 'UseMskConsumerGroup',
      actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      resources: [`${prefix}:group/${clusterName}/${clusterUuid}/${spec.consumerGroupId}`],
    },
  ];
}

/** MSK IAM access control (no secret; the Pipe's or the client's IAM identity). */
export const iamAuth: AuthKind<'iam'> = {
  type: 'iam',
  requiresTls: true,
  tlsByDefault: true,
  clientPackages: [MSK_IAM_SIGNER_PACKAGE],
  client: {
    supported: true,
    refused: {
      cause:
        'the broker refused the IAM token: it was signed for another Region than the cluster (host kafka.<region>.amazonaws.com), the identity lacks kafka-cluster:Connect on the cluster, the credentials are wrong or expired, or the clock is off by more than 5 minutes',
      fix: 'check the Region in clusterArn, that `aws sts get-caller-identity` shows the identity you expect, that its policy allows kafka-cluster:Connect on the cluster ARN (and DescribeTopic/ReadData, DescribeGroup/AlterGroup), and sync the clock (NTP)',
    },
    clientAuth: (_secret, context) => {
      if (!context?.region) {
        throw new Error(
          'auth type iam needs the Region of the cluster (from clusterArn) to sign its SASL/OAUTHBEARER token',
        );
      }
      return {
        sasl: mskIamSasl({
          region: context.region,
          ...(context.credentials ? { credentials: context.credentials } : {}),
        }),
      };
    },
  },
  pipeGrants: (spec) => kafkaClusterGrants(spec, ['kafka-cluster:Connect']),
  clientGrants: (spec) =>
    kafkaClusterGrants(spec, ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster']),
  mskBootstrap: {
    fields: ['BootstrapBrokerStringSaslIam', 'BootstrapBrokerStringPublicSaslIam'],
    listener: 'IAM role-based authentication',
  },
  rules: [],
};
