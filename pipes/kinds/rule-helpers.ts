/** Small helpers the kind modules' service rules share: the issue shape and ARN parts. */
import type { ConfigIssue } from '../../core/errors.js';
import type { RuleContext, ServiceRule } from './types.js';

/** One `file: field: message. Fix: …` issue of the file being validated. */
export function ruleIssue(context: RuleContext, field: string, message: string, fix: string): ConfigIssue {
  return { file: context.file, field, message, fix };
}

/**
 * A Pipe's source batch size may not exceed its target's maximum batch size; Pipes refuses the pipe, and a
 * larger array returned by the enrichment is not delivered to the target at all
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html).
 * `target` names the target in the message, e.g. `a Kinesis stream target`.
 */
export function targetBatchSizeRule(id: string, max: number, target: string): ServiceRule {
  return {
    id,
    doc: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html',
    check: (source, context) =>
      source.engine === 'pipe' && source.batchSize > max
        ? [
            ruleIssue(
              context,
              'batchSize',
              `Batch size ${source.batchSize} is above ${max}, the most a Pipe delivers to ${target} in one batch; EventBridge Pipes refuses the pipe`,
              `set batchSize to ${max} or less`,
            ),
          ]
        : [],
  };
}

/** The account and Region of an ARN (`arn:<partition>:<service>:<region>:<account>:…`), if it is one. */
export function arnLocation(arn: string): { region: string; account: string } | undefined {
  const match = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z0-9-]*):(\d{12}):/.exec(arn);
  return match ? { region: match[1] as string, account: match[2] as string } : undefined;
}

/**
 * The name of a Secrets Manager reference: an ARN's `secret:<name>-<6 characters>` part without the suffix
 * Secrets Manager appends, or the reference itself.
 */
export function secretNameOf(ref: string): string {
  const match = /^arn:aws[a-z-]*:secretsmanager:[^:]*:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/.exec(ref);
  return match ? (match[1] as string) : ref;
}
