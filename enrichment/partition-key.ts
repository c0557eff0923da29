import { createHash } from 'node:crypto';
import { PARTITION_KEY_MAX_CHARS } from './constants.js';
import { type CompiledExpression, compileJmespath } from './jmespath.js';
import type { JsonObject } from './normalize.js';

/** How the Kinesis partition key of a record is chosen. */
export type PartitionKeySpec =
  | { type: 'record-key' }
  | { type: 'topic-partition' }
  | { type: 'field'; path: string };

/**
 * Parses the PARTITION_KEY setting: `record-key`, `topic-partition` or `field:<JMESPath>` (over the
 * canonical record, e.g. `field:api.app_name`). Returns null when the text is none of these.
 *
 * @example parsePartitionKeySpec('field:api.app_name') // → {type: 'field', path: 'api.app_name'}
 */
export function parsePartitionKeySpec(text: string): PartitionKeySpec | null {
  if (text === 'record-key') return { type: 'record-key' };
  if (text === 'topic-partition') return { type: 'topic-partition' };
  if (text.startsWith('field:') && text.length > 'field:'.length)
    return { type: 'field', path: text.slice(6) };
  return null;
}

const compiledPaths = new Map<string, CompiledExpression>();

function fieldExpression(path: string): CompiledExpression {
  let f = compiledPaths.get(path);
  if (f === undefined) {
    f = compileJmespath(path);
    compiledPaths.set(path, f);
  }
  return f;
}

/** Fits a key into Kinesis' 256-character limit: longer keys become their sha-256 hex (64 chars). */
function fitPartitionKey(key: string): string {
  return key.length <= PARTITION_KEY_MAX_CHARS ? key : createHash('sha256').update(key).digest('hex');
}

/**
 * Chooses the partition key for a canonical record. Falls back to `<topic>-<partition>` when the
 * record key is null/empty or the field is missing/null/empty; non-string field values are JSON text.
 */
export function choosePartitionKey(
  spec: PartitionKeySpec,
  record: JsonObject,
  kafka: { topic: string; partition: number; key: string | null },
): string {
  let chosen: string | null = null;
  if (spec.type === 'record-key') {
    chosen = kafka.key;
  } else if (spec.type === 'field') {
    let v: unknown;
    try {
      v = fieldExpression(spec.path)(record);
    } catch {
      v = null;
    }
    chosen = v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
  }
  return fitPartitionKey(chosen === null || chosen === '' ? `${kafka.topic}-${kafka.partition}` : chosen);
}
