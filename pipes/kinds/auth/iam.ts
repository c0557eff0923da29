/**
 * Auth type `iam`: MSK IAM access control. The Pipe role gets the `kafka-cluster:*` actions the Pipes MSK
 * page lists: `Connect` on the cluster, `DescribeTopic`/`ReadData` on the topic, `DescribeGroup`/`AlterGroup`
 * on the consumer group (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-msk.html).
 */
import { parseClusterArn } from '../sources/managed.js';
import type { AuthKind } from '../types.js';

/** MSK IAM access control (no secret; the Pipe role's identity). */
export const iamAuth: AuthKind<'iam'> = {
  type: 'iam',
  requiresTls: true,
  tlsByDefault: true,
  client: {
    supported: false,
    reason: 'kafkajs has no AWS_MSK_IAM mechanism',
    pollerFix: 'use engine: pipe for IAM-authenticated clusters (MSK Serverless, MSK with IAM)',
    checkFix: 'check the Pipe role has kafka-cluster:Connect/DescribeGroup/AlterGroup/DescribeTopic/ReadData',
  },
  pipeGrants: (spec) => {
    if (!spec.clusterArn) return [];
    const { prefix, clusterName, clusterUuid } = parseClusterArn(spec.clusterArn);
    return [
      { sid: 'ConnectMskCluster', actions: ['kafka-cluster:Connect'], resources: [spec.clusterArn] },
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
  },
  rules: [],
};
