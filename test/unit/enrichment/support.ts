/** Builders shared by the enrichment tests (not a test file). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildPipeKafkaRecord,
  compileRules,
  DEFAULT_RULES,
  type KafkaEventRecord,
} from '../../../enrichment/index.js';

/** Directory of the enrichment fixtures. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/enrichment/', import.meta.url));

/** Reads a JSON fixture from test/fixtures/enrichment. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${name}`, 'utf8')) as T;
}

/** The API Connect v10 event template (3.7 KB). */
export function apicEvent(): Record<string, unknown> {
  return fixture<Record<string, unknown>>('apic-event.json');
}

/** Default rules compiled. */
export const defaultRules = compileRules(DEFAULT_RULES);

/** A fixed clock for DLQ `failedAt`. */
export const FIXED_NOW = (): Date => new Date('2026-01-01T00:00:00.000Z');

/** Self-managed cluster used in fixtures. */
export const SMK_CLUSTER = 'broker-2.example.com:9094,broker-1.example.com:9094';
/** MSK cluster used in fixtures. */
export const MSK_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/msktest/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-21';

/** One Pipe record (SelfManagedKafka unless told) with the given value bytes / text / object. */
export function pipeRecord(
  value: Buffer | string | object | null,
  opts: Partial<{
    offset: string;
    partition: number;
    key: Buffer | string | null;
    topic: string;
    msk: boolean;
  }> = {},
): KafkaEventRecord {
  const bytes =
    value === null
      ? null
      : Buffer.isBuffer(value)
        ? value
        : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return buildPipeKafkaRecord({
    eventSource: opts.msk ? 'aws:kafka' : 'SelfManagedKafka',
    cluster: opts.msk ? MSK_ARN : SMK_CLUSTER,
    topic: opts.topic ?? 'apic-events',
    partition: opts.partition ?? 0,
    offset: opts.offset ?? '0',
    timestamp: 1641225600123,
    key: opts.key === undefined ? null : opts.key,
    value: bytes,
  });
}
