/** Builders shared by the enrichment tests (not a test file). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { z } from 'zod';
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

const canonicalJsonSchema = z.fromJSONSchema(
  JSON.parse(readFileSync(new URL('../../../enrichment/canonical.schema.json', import.meta.url), 'utf8')),
);

/**
 * Validates a record against the project's own canonical JSON Schema (enrichment/canonical.schema.json,
 * read back by zod) as the target stores it (after a JSON round trip); returns the issues, or null.
 */
export function canonicalJsonSchemaErrors(record: unknown): string | null {
  const result = canonicalJsonSchema.safeParse(JSON.parse(JSON.stringify(record)));
  return result.success ? null : JSON.stringify(result.error.issues);
}

const OVERFLOWING_NUMBERS = [
  '1e400',
  '-1e309',
  '2e308',
  '1e-400',
  '1234567890123456789012345678901234567890',
];

/**
 * Value bytes that once cost information or mislabelled a record (issue 16): numbers beyond the double
 * range (as JSON numbers and as numeric strings, in known and unknown fields), nesting from a few levels
 * to thousands, "__proto__" / "constructor" keys at every level, newline-delimited events, and a UTF-8
 * byte order mark in front of any of them.
 */
export function hostileValueArb(fieldNames: readonly string[]): fc.Arbitrary<Uint8Array> {
  const field = fc.constantFrom(...fieldNames, 'mystery', '__proto__');
  const num = fc.constantFrom(...OVERFLOWING_NUMBERS);
  const protoKey = fc.constantFrom('__proto__', 'constructor', 'a');
  const text = fc.oneof(
    fc.tuple(field, num).map(([f, n]) => `{"api_name":"a",${JSON.stringify(f)}:${n}}`),
    fc.tuple(field, num).map(([f, n]) => `{${JSON.stringify(f)}:"${n}"}`),
    fc.tuple(field, num).map(([f, n]) => `{${JSON.stringify(f)}:{"x":[1,{"y":${n}}]}}`),
    fc
      .tuple(field, fc.integer({ min: 1, max: 3000 }), protoKey, fc.boolean())
      .map(([f, depth, key, array]) =>
        array
          ? `{${JSON.stringify(f)}:${'['.repeat(depth)}${']'.repeat(depth)}}`
          : `{${JSON.stringify(f)}:${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}}`,
      ),
    fc
      .array(
        fc
          .dictionary(fc.oneof(field, protoKey), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
          .map((o) => JSON.stringify(o)),
        { minLength: 1, maxLength: 4 },
      )
      .chain((lines) => fc.constantFrom('\n', '\r\n', '\n\n').map((sep) => lines.join(sep))),
  );
  return fc
    .tuple(fc.boolean(), text)
    .map(([bom, t]) => new Uint8Array(Buffer.from(`${bom ? '\uFEFF' : ''}${t}`)));
}
