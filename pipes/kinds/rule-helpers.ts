/** Small helpers the kind modules' service rules share: the issue shape and ARN parts. */
import type { ConfigIssue } from '../../core/errors.js';
import type { RuleContext } from './types.js';

/** One `file: field: message. Fix: …` issue of the file being validated. */
export function ruleIssue(context: RuleContext, field: string, message: string, fix: string): ConfigIssue {
  return { file: context.file, field, message, fix };
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
