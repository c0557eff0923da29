/**
 * cdk-nag acknowledgements. Each one names the constructs it covers and carries the reason it is
 * acceptable; everything else is fixed in the constructs (exact IAM actions, own log groups and roles,
 * KMS everywhere, SSL-only queues and topic, explicit memory/timeouts, X-Ray tracing).
 */
import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { KafkaPipe } from '../pipes/kafka-pipe.construct.js';
import type { KafkaPipesStack } from './pipes-stack.js';

/** One acknowledged rule. */
export interface NagAcknowledgement {
  /** Rule id as reported (`<pack>::<rule>[finding]`). */
  readonly id: string;
  /** Why it is acceptable. */
  readonly reason: string;
  /** The constructs it applies to. */
  readonly targets: (stack: KafkaPipesStack) => IConstruct[];
}

const pipes = (stack: KafkaPipesStack): KafkaPipe[] => [...stack.pipes.values()];
const lambdas = (stack: KafkaPipesStack) =>
  pipes(stack).flatMap((p) =>
    p.sinkFunction ? [p.enrichmentFunction, p.sinkFunction] : [p.enrichmentFunction],
  );
const lambdaPolicies = (stack: KafkaPipesStack) =>
  lambdas(stack).flatMap((fn) => (fn.role ? [fn.role.node.findChild('DefaultPolicy')] : []));
const dlqs = (stack: KafkaPipesStack) => [
  ...pipes(stack).flatMap((p) => (p.targetDlq ? [p.enrichmentDlq, p.targetDlq] : [p.enrichmentDlq])),
  ...stack.pollerDlqs.values(),
];

/** Every acknowledgement, with its reason (documented in docs/sources.md). */
export const NAG_ACKNOWLEDGEMENTS: readonly NagAcknowledgement[] = [
  {
    id: 'AwsSolutions::AwsSolutions-L1',
    reason:
      'The template pins nodejs22.x on purpose: the code is tested on Node 20/22 and upgraded deliberately, not whenever a newer runtime ships.',
    targets: lambdas,
  },
  {
    id: 'Serverless::Serverless-LambdaLatestVersion',
    reason: 'Same as AwsSolutions-L1: nodejs22.x is pinned on purpose and upgraded deliberately.',
    targets: lambdas,
  },
  {
    id: 'Serverless::Serverless-LambdaDLQ',
    reason:
      'The enrichment is invoked synchronously by the Pipe (a DeadLetterConfig only applies to async invokes); records it cannot normalize go to its own SQS DLQ. The sink is invoked asynchronously and uses an on-failure destination (SQS, KMS, SSL-only), which carries the error context a DeadLetterConfig lacks.',
    targets: lambdas,
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray PutTraceSegments/PutTelemetryRecords (Lambda tracing) and EC2 Describe*/CreateNetworkInterface/DeleteNetworkInterface for the Pipe ENIs and the network-interface actions of an enrichment Lambda placed in the VPC of a schema registry (AWSLambdaVPCAccessExecutionRole) do not support resource-level permissions; glue:GetSchemaVersion by schema version id (Glue-framed values) names no registry a resource could match (the Glue deserializer example grants it on *); every other statement is scoped to exact ARNs.',
    targets: (stack) => [
      ...lambdaPolicies(stack),
      ...pipes(stack)
        .filter((p) => p.kafkaSource.usesVpc)
        .map((p) => p.pipe.pipeRole.node.findChild('DefaultPolicy')),
    ],
  },
  {
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason:
      'These queues ARE the dead-letter queues (enrichment DLQs of Pipes and pollers, sink on-failure destination).',
    targets: dlqs,
  },
  {
    id: 'Serverless::Serverless-SQSRedrivePolicy',
    reason: 'These queues ARE the dead-letter queues; operators replay them with the CLI (dlq replay).',
    targets: dlqs,
  },
  {
    id: 'AwsSolutions::AwsSolutions-KDS3',
    reason:
      'The streams use the stack customer managed key (rotation on) instead of aws/kinesis, so one key policy governs streams, DLQs and the alarm topic and cross-account consumers can be granted decrypt explicitly.',
    targets: (stack) => [...stack.streams.values()],
  },
];

/** A child of every poller construct, by construct path relative to the poller. */
const pollerChildren = (stack: KafkaPipesStack, path: string[]): IConstruct[] =>
  [...stack.pollers.values()].flatMap((poller) => {
    let node: IConstruct | undefined = poller;
    for (const id of path) node = node?.node.tryFindChild(id);
    return node ? [node] : [];
  });

/**
 * Findings raised inside the FallbackPoller construct by its state machine's role (X-Ray, log delivery,
 * invoking the poller). The poller Lambda role has exact actions and needs none.
 */
export const POLLER_NAG_ACKNOWLEDGEMENTS: readonly NagAcknowledgement[] = [
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'Poller state machine role: X-Ray tracing and CloudWatch Logs vended delivery (logs:*LogDelivery*) do not support resource-level permissions.',
    targets: (stack) => pollerChildren(stack, ['StateMachine', 'Role', 'DefaultPolicy']),
  },
  {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::<fn>:*]',
    reason:
      'Poller state machine role: lambda:InvokeFunction on the poller function and its versions (grantInvoke), nothing else.',
    targets: (stack) => pollerChildren(stack, ['StateMachine', 'Role', 'DefaultPolicy']),
  },
];

/** Resolves `<fn>` in an acknowledgement id to the poller function's logical id. */
function resolvePollerId(stack: KafkaPipesStack, id: string, target: IConstruct): string {
  if (!id.includes('<fn>')) return id;
  const pollers: readonly IConstruct[] = [...stack.pollers.values()];
  const poller = target.node.scopes.find((s) => pollers.includes(s));
  const fn = poller?.node.tryFindChild('Function')?.node.defaultChild as CfnElement | undefined;
  return fn ? id.replace('<fn>', `<${stack.getLogicalId(fn)}.Arn>`) : id;
}

/** Applies every acknowledgement to its constructs (their default CloudFormation resource). */
export function applyNagSuppressions(stack: KafkaPipesStack): void {
  for (const ack of POLLER_NAG_ACKNOWLEDGEMENTS) {
    for (const target of ack.targets(stack)) {
      const resource = target.node.defaultChild ?? target;
      Validations.of(resource).acknowledge({
        id: resolvePollerId(stack, ack.id, target),
        reason: ack.reason,
      });
    }
  }
  for (const ack of NAG_ACKNOWLEDGEMENTS) {
    for (const target of ack.targets(stack)) {
      const resource = target.node.defaultChild ?? target;
      Validations.of(resource).acknowledge({ id: ack.id, reason: ack.reason });
    }
  }
}
