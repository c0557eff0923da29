/**
 * The template's Lambda functions (enrichment, sink, fallback poller) as one recipe: a log group of their
 * own, an execution role that may write only to it, and a `NodejsFunction` on nodejs22.x / arm64 with X-Ray
 * tracing, source maps and the shared esbuild options (pipes/lambda-bundling.ts).
 */
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from './lambda-bundling.js';

/** What differs between the template's Lambdas. */
export interface NodeLambdaOptions {
  /** Handler file (export `handler`). */
  readonly entry: string;
  /** Repository root: esbuild's project root, where package-lock.json is. */
  readonly projectRoot: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  /** Function description; the role's is `<description> (execution role)`. */
  readonly description: string;
  readonly environment: Record<string, string>;
  readonly retention: RetentionDays;
  /** Removal policy of the log group. */
  readonly removalPolicy: RemovalPolicy;
  /** Packages left out of the bundle besides the AWS SDK (formats and clients the source does not use). */
  readonly external?: readonly string[];
  /** Further esbuild options (e.g. command hooks that copy a file into the bundle). */
  readonly bundling?: Partial<BundlingOptions>;
}

/**
 * A Lambda with its log group `<id>Logs` and role `<id>Role` (logs:CreateLogStream and logs:PutLogEvents
 * on that log group only); the caller adds the function's other grants.
 */
export function nodeLambda(scope: Construct, id: string, o: NodeLambdaOptions): NodejsFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: o.retention,
    removalPolicy: o.removalPolicy,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `${o.description} (execution role)`,
  });
  role.addToPrincipalPolicy(
    new PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  return new NodejsFunction(scope, id, {
    entry: o.entry,
    handler: 'handler',
    projectRoot: o.projectRoot,
    depsLockFilePath: `${o.projectRoot}/package-lock.json`,
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    memorySize: o.memorySize,
    timeout: Duration.seconds(o.timeoutSeconds),
    description: o.description,
    environment: { ...o.environment, NODE_OPTIONS: '--enable-source-maps' },
    tracing: Tracing.ACTIVE,
    logGroup,
    role,
    bundling: {
      ...LAMBDA_BUNDLING,
      externalModules: [...LAMBDA_BUNDLING.externalModules, ...(o.external ?? [])],
      ...o.bundling,
    },
  });
}
