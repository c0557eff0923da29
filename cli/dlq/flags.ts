/**
 * Flags shared by `dlq inspect` and `dlq replay`, and the queue they name: a queue URL, or a source name
 * whose DLQ is found by its tag.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { targetKind } from '../../pipes/kinds/registry.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { usageError } from '../shared/output.js';
import { resolveSource } from '../shared/sources.js';
import { DLQ_KINDS, type DlqKind } from './messages.js';
import { findSourceQueue } from './queue.js';

/** Flags shared by inspect and replay. */
export interface DlqFlags {
  readonly queue?: string;
  readonly max?: string;
  readonly sourcesDir?: string;
}

/** Largest `--max`. */
const MAX_MESSAGES = 100_000;

/** `--max`: a whole number of messages from 1 to 100000. */
export function parseMax(value: string | undefined, def: number): number {
  const n = value === undefined ? def : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_MESSAGES) {
    throw usageError(
      '--max',
      'max',
      `must be a whole number from 1 to 100000, received ${value}`,
      'pass e.g. --max 100',
    );
  }
  return n;
}

/** `--queue`: enrichment (default) or sink. */
export function parseQueueKind(value: string | undefined): DlqKind {
  const kind = value ?? DLQ_KINDS.enrichment;
  if (kind !== DLQ_KINDS.enrichment && kind !== DLQ_KINDS.sink) {
    throw usageError(
      '--queue',
      'queue',
      `must be enrichment or sink, received ${kind}`,
      'pass --queue enrichment (bad records) or --queue sink (failed target deliveries)',
    );
  }
  return kind;
}

/** A resolved `<source|queue-url>`. */
export interface ResolvedQueue {
  readonly queueUrl: string;
  readonly kind: DlqKind;
  /** The source, when a source name was given. */
  readonly source?: SourceConfig;
}

/** Resolves `<source|queue-url>` to a queue URL (and the source when a name was given). */
export async function resolveQueue(ref: string, flags: DlqFlags, sqs: SQSClient): Promise<ResolvedQueue> {
  const kind = parseQueueKind(flags.queue);
  if (/^https?:\/\//.test(ref)) return { queueUrl: ref, kind };
  const { source } = resolveSource(ref, flags.sourcesDir);
  if (kind === DLQ_KINDS.sink && !targetKind(source.target.type).replay.sinkQueue) {
    throw usageError(
      '--queue',
      'target.type',
      `source ${source.name} has target type ${source.target.type}, which has no sink DLQ`,
      'use --queue enrichment',
    );
  }
  return { queueUrl: await findSourceQueue(sqs, source.name, kind), source, kind };
}
