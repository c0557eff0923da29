/**
 * Source kind `self-managed`: a Kafka cluster reached through its bootstrap brokers (`smk://host:port`),
 * optionally in a VPC and with a private root CA.
 */
import { KAFKA_EVENT_SOURCE } from '../../../enrichment/kafka-event.js';
import { formatValue } from '../../format-value.js';
import { LIMITS } from '../../source-limits.js';
import { basicAuth } from '../auth/basic.js';
import { mtlsAuth } from '../auth/mtls.js';
import { noneAuth } from '../auth/none.js';
import { scramSha256Auth } from '../auth/sasl-scram-256.js';
import { scramSha512Auth } from '../auth/sasl-scram-512.js';
import type { ServiceRule, SourceKindModule } from '../types.js';
import { pipeParameterRules } from './pipes-kafka-parameters.js';

const SELF_MANAGED_PARAMETERS_PAGE =
  'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSelfManagedKafkaParameters.html';

/** The Pipes TopicName / ConsumerGroupID patterns, for the sources a Pipe reads (Kafka itself takes more). */
const parameterRules: ServiceRule[] = pipeParameterRules({
  idPrefix: 'self-managed',
  doc: SELF_MANAGED_PARAMETERS_PAGE,
  topicFix: 'read the topic with engine: poller, or use a topic the Pipes TopicName pattern takes',
});

/** Self-managed (on-premises or any non-MSK) Kafka. */
export const selfManagedKind: SourceKindModule<'self-managed'> = {
  kind: 'self-managed',
  authTypes: [noneAuth, scramSha256Auth, scramSha512Auth, basicAuth, mtlsAuth].map((a) => a.type),
  authFix: 'use sasl-scram-512, sasl-scram-256, basic or mtls with a secret, or none',
  eventSource: KAFKA_EVENT_SOURCE.selfManaged,
  tlsByDefault: false,
  fields: ['brokers', 'rootCaSecret', 'vpc'],
  defaultAuth: mtlsAuth.type,
  clusterIdentity: (source) => (source.brokers ?? []).join(','),
  sourceArn: (spec) => `smk://${spec.brokers?.[0]}`,
  pipeParameters: (spec, shared) => ({
    selfManagedKafkaParameters: {
      ...shared,
      ...((spec.brokers?.length ?? 0) > 1 ? { additionalBootstrapServers: spec.brokers?.slice(1) } : {}),
      ...(spec.rootCaSecret ? { serverRootCaCertificate: spec.rootCaSecret } : {}),
      ...(spec.vpc
        ? { vpc: { subnets: [...spec.vpc.subnetIds], securityGroup: [...spec.vpc.securityGroupIds] } }
        : {}),
    },
  }),
  usesVpc: (spec) => spec.vpc !== undefined,
  brokers: 'required',
  pollerGrants: () => [],
  pipeGrants: () => [],
  checkRaw: (raw, add) => {
    if (raw.brokers === undefined) {
      add('brokers', 'Brokers are required for kind self-managed', 'list 1-3 bootstrap brokers as host:port');
    }
    if (raw.clusterArn !== undefined) {
      add(
        'clusterArn',
        `Cluster ARN is not allowed for kind self-managed, received ${formatValue(raw.clusterArn)}`,
        'remove clusterArn, or set kind to msk / msk-serverless',
      );
    }
  },
  validateSpec: (spec) => {
    const n = spec.brokers?.length ?? 0;
    return n < 1 || n > LIMITS.BROKERS_MAX
      ? [`A self-managed source needs 1 to ${LIMITS.BROKERS_MAX} brokers, received ${n}`]
      : [];
  },
  rules: parameterRules,
};
