/**
 * What the two Amazon MSK kinds (`msk`, `msk-serverless`) share: the cluster ARN as the Pipe's source,
 * brokers discovered by Pipes and, for the project's Kafka clients, looked up with GetBootstrapBrokers
 * (core/msk-bootstrap.ts; `brokers` overrides), TLS listeners, `eventSource` `aws:kafka`, and
 * `kafka:DescribeClusterV2` / `kafka:GetBootstrapBrokers` on the cluster for the Pipe role
 * (`kafka:GetBootstrapBrokers` for the poller's role).
 */
import { KAFKA_EVENT_SOURCE } from '../../../enrichment/kafka-event.js';
import { formatValue } from '../../format-value.js';
import { arnLocation, ruleIssue } from '../rule-helpers.js';
import type { GrantSpec, KafkaSourceSpec, ServiceRule, SourceKindModule } from '../types.js';
import { pipeParameterRules } from './pipes-kafka-parameters.js';

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

/**
 * A Pipe reads an MSK cluster of its own account and Region: when the stack's account and Region are known,
 * a cluster ARN elsewhere is refused.
 */
const sameAccountRegionRule: ServiceRule = {
  id: 'msk-cluster-account-region',
  doc: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-msk.html',
  check: (source, context) => {
    const cluster = source.clusterArn ? arnLocation(source.clusterArn) : undefined;
    if (!cluster || !context.account || !context.region) return [];
    if (cluster.account === context.account && cluster.region === context.region) return [];
    return [
      ruleIssue(
        context,
        'clusterArn',
        `Cluster is in account ${cluster.account}, Region ${cluster.region}, but the stack deploys to account ${context.account}, Region ${context.region}; a Pipe reads MSK clusters of its own account and Region only`,
        `deploy this source with a stack in account ${cluster.account}, Region ${cluster.region}`,
      ),
    ];
  },
};

const MSK_PARAMETERS_PAGE =
  'https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceManagedStreamingKafkaParameters.html';

/** The Pipes TopicName / ConsumerGroupID patterns, for the sources a Pipe reads (not the poller's). */
const parameterRules: ServiceRule[] = pipeParameterRules({
  idPrefix: 'msk',
  doc: MSK_PARAMETERS_PAGE,
  topicFix:
    'use a topic the Pipes TopicName pattern takes (2-249 characters, letters, digits, ".", "_", "-", not starting with ".")',
});

/** Builds an MSK source kind accepting `authTypes`, with the MSK service rules and `rules` of its own. */
export function managedKafkaKind<K extends string>(
  kind: K,
  o: {
    authTypes: readonly string[];
    authFix: string;
    defaultAuth: string;
    rules?: readonly ServiceRule[];
    /** Grants of this kind beyond describing the cluster. */
    grants?: (spec: KafkaSourceSpec) => GrantSpec[];
  },
): SourceKindModule<K> {
  const { grants, ...options } = o;
  return {
    kind,
    ...options,
    rules: [sameAccountRegionRule, ...parameterRules, ...(o.rules ?? [])],
    eventSource: KAFKA_EVENT_SOURCE.msk,
    tlsByDefault: true,
    fields: ['clusterArn'],
    clusterIdentity: (source) => source.clusterArn as string,
    sourceArn: (spec) => spec.clusterArn as string,
    pipeParameters: (_spec, shared) => ({ managedStreamingKafkaParameters: shared }),
    usesVpc: () => true,
    brokers: 'lookup',
    pollerGrants: (spec) =>
      spec.clusterArn && !spec.brokers?.length
        ? [{ sid: 'LookUpMskBrokers', actions: ['kafka:GetBootstrapBrokers'], resources: [spec.clusterArn] }]
        : [],
    pipeGrants: (spec) =>
      spec.clusterArn
        ? [
            {
              sid: 'DescribeMskCluster',
              actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
              resources: [spec.clusterArn],
            },
            ...(grants?.(spec) ?? []),
          ]
        : [],
    checkRaw: (raw, add) => checkManagedRaw(kind, raw, add),
    validateSpec: (spec) => [
      ...(spec.clusterArn ? [] : [`A ${kind} source needs clusterArn`]),
      ...(spec.rootCaSecret ? [`rootCaSecret is not supported for kind ${kind}`] : []),
      ...(spec.vpc ? [`vpc is not supported for kind ${kind}`] : []),
      // The file's `brokers` override the looked-up ones for the project's clients; a Pipe takes none.
      ...(spec.brokers?.length ? [`brokers are not supported for kind ${kind}`] : []),
    ],
  };
}

function checkManagedRaw(
  kind: string,
  raw: Readonly<Record<string, unknown>>,
  add: (field: string, message: string, fix: string) => void,
): void {
  if (raw.clusterArn === undefined) {
    add(
      'clusterArn',
      `Cluster ARN is required for kind ${kind}`,
      'set clusterArn to the MSK cluster ARN, e.g. arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abcd-1234',
    );
  }
  if (raw.rootCaSecret !== undefined) {
    add(
      'rootCaSecret',
      `Root CA secret is not allowed for kind ${kind}, received ${formatValue(raw.rootCaSecret)}`,
      'remove rootCaSecret: MSK broker certificates chain to a public CA',
    );
  }
  // The poller Lambda is placed in `vpc` to reach the cluster's private brokers; a Pipe needs none.
  if (raw.vpc !== undefined && raw.engine !== 'poller') {
    add(
      'vpc',
      `VPC is not allowed for kind ${kind} with engine ${formatValue(raw.engine ?? 'pipe')}, received ${formatValue(raw.vpc)}`,
      "remove vpc: Pipes reaches MSK through the cluster's own subnets and security groups (with engine: poller, vpc places the poller Lambda in the cluster's VPC)",
    );
  }
}
