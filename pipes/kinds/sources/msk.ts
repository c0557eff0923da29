/** Source kind `msk`: a provisioned Amazon MSK cluster (IAM, SASL/SCRAM-SHA-512, mTLS or none). */
import { iamAuth } from '../auth/iam.js';
import { mtlsAuth } from '../auth/mtls.js';
import { noneAuth } from '../auth/none.js';
import { scramSha512Auth } from '../auth/sasl-scram-512.js';
import { arnLocation, ruleIssue, secretNameOf } from '../rule-helpers.js';
import type { GrantSpec, KafkaSourceSpec, ServiceRule } from '../types.js';
import { managedKafkaKind } from './managed.js';

/** The MSK developer guide's page on SCRAM secrets. */
const SCRAM_SECRETS_DOC =
  'https://docs.aws.amazon.com/msk/latest/developerguide/msk-password-limitations.html';
/** The prefix MSK requires of SCRAM secret names. */
const MSK_SCRAM_SECRET_PREFIX = 'AmazonMSK_';

/** The SCRAM secret of an MSK source, when it has one. */
const scramSecretOf = (source: { auth: { type: string; secret?: string } }) =>
  source.auth.type === scramSha512Auth.type ? source.auth.secret : undefined;

/** SASL/SCRAM secrets of an MSK cluster: name prefix, customer managed key, and the cluster's account/Region. */
const scramSecretRules: readonly ServiceRule[] = [
  {
    id: 'msk-scram-secret-name',
    doc: SCRAM_SECRETS_DOC,
    check: (source, context) => {
      const secret = scramSecretOf(source);
      const name = secret === undefined ? undefined : secretNameOf(secret);
      if (name === undefined || name.startsWith(MSK_SCRAM_SECRET_PREFIX)) return [];
      return [
        ruleIssue(
          context,
          'auth.secret',
          `Secret "${name}" cannot hold MSK SASL/SCRAM credentials: MSK only takes secrets whose name starts with ${MSK_SCRAM_SECRET_PREFIX}`,
          `store the credentials in a secret named ${MSK_SCRAM_SECRET_PREFIX}<name> (e.g. ${MSK_SCRAM_SECRET_PREFIX}${name.replace(/\//g, '_')}), associate it with the cluster and point auth.secret at it`,
        ),
      ];
    },
  },
  {
    id: 'msk-scram-secret-kms-key',
    doc: SCRAM_SECRETS_DOC,
    check: (source, context) =>
      scramSecretOf(source) !== undefined && source.auth.kmsKeyArn === undefined
        ? [
            ruleIssue(
              context,
              'auth.kmsKeyArn',
              'MSK SASL/SCRAM secrets must be encrypted with a customer managed KMS key (not the default aws/secretsmanager key), and auth.kmsKeyArn is not set',
              'encrypt the secret with a customer managed symmetric KMS key and set auth.kmsKeyArn to its ARN',
            ),
          ]
        : [],
  },
  {
    id: 'msk-scram-secret-location',
    doc: SCRAM_SECRETS_DOC,
    check: (source, context) => {
      const secret = scramSecretOf(source);
      const at = secret === undefined ? undefined : arnLocation(secret);
      const cluster = source.clusterArn ? arnLocation(source.clusterArn) : undefined;
      if (!at || !cluster || (at.account === cluster.account && at.region === cluster.region)) return [];
      return [
        ruleIssue(
          context,
          'auth.secret',
          `Secret is in account ${at.account}, Region ${at.region}, but the cluster is in account ${cluster.account}, Region ${cluster.region}; MSK SCRAM secrets must be in the cluster's account and Region`,
          `create the secret in account ${cluster.account}, Region ${cluster.region} and point auth.secret at it`,
        ),
      ];
    },
  },
];

/**
 * With IAM access control, a Pipe reading a provisioned cluster also needs
 * `kafka-cluster:DescribeClusterDynamicConfiguration` on the cluster (Pipes MSK page,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-msk.html; the action does not apply to
 * serverless clusters: https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html).
 */
const iamClusterConfigGrants = (spec: KafkaSourceSpec): GrantSpec[] =>
  spec.authType === iamAuth.type && spec.clusterArn
    ? [
        {
          sid: 'DescribeMskClusterConfiguration',
          actions: ['kafka-cluster:DescribeClusterDynamicConfiguration'],
          resources: [spec.clusterArn],
        },
      ]
    : [];

/** Amazon MSK (provisioned). */
export const mskKind = managedKafkaKind('msk', {
  authTypes: [noneAuth, iamAuth, mtlsAuth, scramSha512Auth].map((a) => a.type),
  authFix: 'use sasl-scram-512 or mtls with a secret, iam, or none',
  defaultAuth: iamAuth.type,
  rules: scramSecretRules,
  grants: iamClusterConfigGrants,
});
