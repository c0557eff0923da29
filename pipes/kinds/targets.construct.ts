/**
 * The CDK side of each target type (its resources differ: the Kinesis stream itself, or a sink Lambda with
 * its async invoke config and DLQ). One `<type>.construct.ts` per type in `pipes/kinds/targets/`, listed
 * here; the runtime-safe data of each type is in `pipes/kinds/registry.ts`.
 */
import type { ITarget } from '@aws-cdk/aws-pipes-alpha';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm, IWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { SourceConfig } from '../source-schema.js';
import { firehoseTargetConstruct } from './targets/firehose.construct.js';
import { kinesisTargetConstruct } from './targets/kinesis.construct.js';
import { lambdaTargetConstruct } from './targets/lambda.construct.js';
import type { TargetKind } from './types.js';

/** The Lambda settings a target's function gets from the Pipe construct. */
export interface TargetLambdaOptions {
  readonly entry: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly description: string;
  readonly environment: Record<string, string>;
  /** esbuild externals beyond `@aws-sdk/*` (pipes/lambda-externals.ts). */
  readonly external?: readonly string[];
}

/** What a target type's construct code gets from the Pipe construct. */
export interface TargetBuildContext {
  /** The Pipe construct (scope of the target's resources). */
  readonly scope: Construct;
  readonly source: SourceConfig;
  readonly environment: string;
  /** The data-lake stream (target types that use it: `TargetKind.usesStream`). */
  readonly stream?: IStream;
  /** The target's own destination (target types with a `destination`). */
  readonly destination?: TargetDestination;
  /** The key encrypting the DLQs. */
  readonly dataKey: IKey;
  /** Entry of the sink handler. */
  readonly sinkEntry: string;
  readonly retention: RetentionDays;
  /** A KMS-encrypted DLQ of the Pipe construct. */
  dlq(id: string): Queue;
  /** A Lambda function of the Pipe construct (own log group and role). */
  lambda(id: string, options: TargetLambdaOptions): NodejsFunction;
}

/** The target a type built, and the resources the Pipe construct exposes and alarms on. */
export interface BuiltTarget {
  readonly target: ITarget;
  readonly sinkFunction?: NodejsFunction;
  readonly targetDlq?: Queue;
}

/**
 * A destination a target type owns instead of the stack's data-lake stream (e.g. a Firehose stream): the
 * stack creates it once per source, both engines write it, and its alarms join the dashboard.
 */
export interface TargetDestination {
  readonly arn: string;
  readonly name: string;
  readonly alarms: readonly Alarm[];
  readonly widgets: readonly IWidget[];
}

/** What a target type's destination gets from the stack. */
export interface DestinationContext {
  readonly scope: Construct;
  readonly id: string;
  readonly source: SourceConfig;
  readonly environment: string;
  /** The stack key. */
  readonly dataKey: IKey;
  readonly retention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The construct code of one target type. */
export interface TargetConstruct {
  readonly kind: TargetKind;
  /** Its own destination, created by the stack for either engine (absent: the data-lake stream). */
  destination?(context: DestinationContext): TargetDestination;
  build(context: TargetBuildContext): BuiltTarget;
}

/** Every target type's construct code. */
export const TARGET_CONSTRUCTS: readonly TargetConstruct[] = [
  kinesisTargetConstruct,
  lambdaTargetConstruct,
  firehoseTargetConstruct,
];

/** The construct code of a source's target type. @throws Error for a type without construct code. */
export function targetConstructOf(source: Pick<SourceConfig, 'target'>): TargetConstruct {
  const type = source.target.type;
  const found = TARGET_CONSTRUCTS.find((c) => c.kind.type === type);
  if (!found) throw new Error(`Target type "${type}" has no construct in pipes/kinds/targets.construct.ts`);
  return found;
}

/** Builds the Pipe target of a source's target type. @throws Error for a type without construct code. */
export function buildPipeTarget(context: TargetBuildContext): BuiltTarget {
  return targetConstructOf(context.source).build(context);
}
