/**
 * Detects changes that make CloudFormation REPLACE a Pipe (a new Pipe means a new consumer: offsets restart
 * from `startingPosition`). Synth uses it to warn; operators can call it from the CLI before deploying.
 */
import { createHash } from 'node:crypto';
import { REPLACEMENT_FIELDS, type ReplacementField, type SourceConfig } from './source-schema.js';

/** One field whose change replaces the Pipe. */
export interface ReplacementChange {
  /** Source name. */
  readonly source: string;
  /** Field that changed. */
  readonly field: ReplacementField;
  /** Value before (JSON). */
  readonly before: string;
  /** Value after (JSON). */
  readonly after: string;
}

/** The replacement-relevant view of a source (also what synth stores in template metadata). */
export type ReplacementSnapshot = Pick<
  SourceConfig,
  'name' | 'topic' | 'startingPosition' | 'consumerGroupId'
> & {
  readonly brokers?: readonly string[];
};

/** Extracts the replacement-relevant fields of a source. */
export function replacementSnapshot(source: ReplacementSnapshot): ReplacementSnapshot {
  return {
    name: source.name,
    topic: source.topic,
    startingPosition: source.startingPosition,
    consumerGroupId: source.consumerGroupId,
    ...(source.brokers ? { brokers: [...source.brokers] } : {}),
  };
}

/**
 * Lists the fields whose change replaces the Pipe. Only the additional brokers (after the first) and the first
 * broker both count: any change to `brokers` replaces it.
 * @example diffReplacementFields(old, { ...old, topic: 'other' }) // [{ field: 'topic', ... }]
 */
export function diffReplacementFields(
  oldSource: ReplacementSnapshot,
  newSource: ReplacementSnapshot,
): ReplacementChange[] {
  const changes: ReplacementChange[] = [];
  for (const field of REPLACEMENT_FIELDS) {
    const before = JSON.stringify(oldSource[field] ?? null);
    const after = JSON.stringify(newSource[field] ?? null);
    if (before !== after) changes.push({ source: newSource.name, field, before, after });
  }
  return changes;
}

/** Formats a change as a synth warning. */
export function formatReplacementWarning(change: ReplacementChange): string {
  return (
    `Source "${change.source}": changing ${change.field} from ${change.before} to ${change.after} REPLACES the Pipe; ` +
    'the new consumer starts from startingPosition (records may be re-read or skipped)'
  );
}

/**
 * The Pipe's physical name: `<name>-<environment>-<8 hex digits>`, the digits a hash of the fields whose
 * change replaces the Pipe. CloudFormation cannot replace a custom-named resource under the same name, so a
 * replacement gets a new name ("You can't perform an update that causes a custom-named resource to be
 * replaced"; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html).
 * @example pipeNameOf(source, 'prod') // 'orders-prod-3f2a9c1b'
 */
export function pipeNameOf(source: ReplacementSnapshot, environment: string): string {
  const { name, ...fields } = replacementSnapshot(source);
  const hash = createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 8);
  return `${name}-${environment}-${hash}`;
}
