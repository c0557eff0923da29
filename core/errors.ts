/**
 * Infrastructure faults throw errors carrying `cause` and a `retriable` flag.
 * Bad data is never an exception: it is a value (`{ ok: false, reason }`).
 */
export class InfrastructureError extends Error {
  /** Whether retrying the same work can succeed (Step Functions Retry matches on the error name). */
  readonly retriable: boolean;

  constructor(message: string, options: { cause?: unknown; retriable: boolean }) {
    super(message, { cause: options.cause });
    this.name = options.retriable ? 'RetriableError' : 'NonRetriableError';
    this.retriable = options.retriable;
  }
}

/** A fault worth retrying: network, throttling, a lock lost mid-run. */
export class RetriableError extends InfrastructureError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: true });
  }
}

/** A fault that retrying will not fix: bad configuration, missing secret, refused certificate. */
export class NonRetriableError extends InfrastructureError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** A configuration problem: names the file, the field, the bad value and the fix. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One problem found while validating a source, rules or CLI input. */
export interface ConfigIssue {
  /** File the problem is in (or `<flags>` for CLI input). */
  readonly file: string;
  /** Dotted path of the field, e.g. `target.partitionKey`. */
  readonly field: string;
  /** What is wrong, including the received value. */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

/**
 * Formats issues one per line: `file: field: message. Fix: fix`; `flag: message. Fix: fix` when the file is
 * the field (a CLI flag naming itself, e.g. `--cert`), so no prefix is doubled.
 */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map((i) => `${i.file === i.field ? i.file : `${i.file}: ${i.field}`}: ${i.message}. Fix: ${i.fix}`)
    .join('\n');
}
