/**
 * Deployment environments selected with `-c environment=<name>`. Stacks stay env-agnostic (no account or
 * region at synth); these settings only change what is created.
 */
import { RemovalPolicy } from 'aws-cdk-lib';

/** Settings of one environment. */
export interface EnvironmentSettings {
  /** Create a KMS-encrypted SNS topic and send every alarm to it. */
  readonly alarmTopic: boolean;
  /** Removal policy of queues, streams and log groups. */
  readonly removalPolicy: RemovalPolicy;
}

/** Known environments. */
export const ENVIRONMENTS = {
  dev: { alarmTopic: false, removalPolicy: RemovalPolicy.DESTROY },
  prod: { alarmTopic: true, removalPolicy: RemovalPolicy.RETAIN },
} as const satisfies Record<string, EnvironmentSettings>;

/** An environment name. */
export type EnvironmentName = keyof typeof ENVIRONMENTS;

/** Stack name of an environment. */
export function stackName(environment: string): string {
  return `KafkaPipes-${environment}`;
}

/** Validates an environment name. */
export function assertEnvironment(name: string): EnvironmentName {
  if (!Object.hasOwn(ENVIRONMENTS, name)) {
    throw new Error(
      `Unknown environment "${name}": use -c environment=${Object.keys(ENVIRONMENTS).join('|')}`,
    );
  }
  return name as EnvironmentName;
}
