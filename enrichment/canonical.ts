import type { CANONICAL_SCHEMA_VERSION } from './constants.js';

/** A canonical record. */
export interface CanonicalRecord {
  schemaVersion: typeof CANONICAL_SCHEMA_VERSION;
  eventId: string;
  partitionKey: string;
  source: string;
  ruleVersion: string;
  kafka: {
    cluster: string;
    topic: string;
    partition: number;
    offset: string;
    timestamp: string | null;
    timestampType: string | null;
    key: string | null;
    keyEncoding: 'utf8' | 'base64' | null;
    headers: Record<string, string | string[]>;
    headerEncodings: Record<string, 'base64'>;
    eventIndex: number | null;
  };
  api: Record<string, unknown>;
  attributes: Record<string, unknown>;
  extra: Record<string, unknown>;
  tags: string[];
  route: string | null;
}

/**
 * The exact bytes both engines write to the target for a record: compact JSON in the record's key
 * order (which enrichBatch builds deterministically). Same as JSON.stringify, which the Lambda runtime
 * also uses for the enrichment response.
 */
export function serializeCanonical(record: CanonicalRecord): string {
  return JSON.stringify(record);
}
