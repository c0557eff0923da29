/**
 * zod schema and JSON Schema of the canonical record. Not imported by the Lambda (the classic zod API
 * is large); used by the schema generator, tests and tooling.
 */
import { z } from 'zod';
import { APIC_FIELDS, type ApicFieldKind, ORIGINAL_SUFFIX } from './apic-fields.js';
import { CANONICAL_SCHEMA_VERSION } from './constants.js';

const statusSchema = z.object({
  code: z.number().int().min(0).max(999).nullable().describe('Numeric code; null when the value held none.'),
  reason: z.string().nullable().describe('Reason from the value, else the standard phrase, else null.'),
  reasonGiven: z.boolean().describe('Whether reason came from the value.'),
});

function apiFieldSchema(kind: ApicFieldKind, description: string): z.ZodType {
  switch (kind) {
    case 'string':
      return z.union([z.string(), z.number()]).describe(`${description} A number is kept as a number.`);
    case 'number':
      return z.number().describe(description);
    case 'integer':
      return z.number().int().describe(description);
    case 'boolean':
      return z.boolean().describe(description);
    case 'datetime':
      return z.iso.datetime({ precision: 3 }).describe(`${description} ISO-8601 UTC with milliseconds.`);
    case 'status':
      return statusSchema.describe(description);
    default:
      return z.json().describe(description);
  }
}

/** The value of a date-time as received, next to the normalized one when normalizing changed it. */
const originalSchema = (dst: string) =>
  z
    .union([z.string(), z.number()])
    .describe(`api.${dst} as received (full precision and offset), present when it differs.`)
    .optional();

/** The normalized API Connect fields (all optional: a field absent from the event is absent here). */
export const canonicalApiSchema = z.looseObject(
  Object.fromEntries(
    APIC_FIELDS.flatMap(([, dst, kind, description]) => [
      [dst, apiFieldSchema(kind, description).optional()],
      ...(kind === 'datetime' ? [[`${dst}${ORIGINAL_SUFFIX}`, originalSchema(dst)]] : []),
    ]),
  ),
);

/** Schema of a canonical record (version {@link CANONICAL_SCHEMA_VERSION}). */
export const canonicalRecordSchema = z
  .object({
    schemaVersion: z.literal(CANONICAL_SCHEMA_VERSION).describe('Version of this layout.'),
    eventId: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe(
        'sha-256 hex of "<cluster>|<topic>|<partition>|<offset>" (plus "|<index>" for each event of a value holding several): the idempotency key.',
      ),
    partitionKey: z.string().min(1).max(256).describe('Kinesis partition key chosen by PARTITION_KEY.'),
    source: z.string().describe('Source name (pipes/sources/<name>.yaml).'),
    ruleVersion: z.string().describe('name@version+contenthash of the rules applied.'),
    kafka: z
      .object({
        cluster: z
          .string()
          .describe('MSK cluster ARN, or the sorted bootstrap servers of a self-managed cluster.'),
        topic: z.string(),
        partition: z.number().int().nonnegative(),
        offset: z
          .string()
          .regex(/^(?:0|[1-9]\d*)$/)
          .describe('Offset as a decimal string, no leading zeros.'),
        timestamp: z.iso.datetime({ precision: 3 }).nullable().describe('Record timestamp, ISO-8601 UTC.'),
        timestampType: z.string().nullable(),
        key: z.string().nullable().describe('Record key: UTF-8 text, or base64 when keyEncoding is base64.'),
        keyEncoding: z.enum(['utf8', 'base64']).nullable(),
        headers: z
          .record(z.string(), z.union([z.string(), z.array(z.string())]))
          .describe(
            'Header name → value, or the list of values in wire order when the name repeats; UTF-8 text, or base64 for the names in headerEncodings.',
          ),
        headerEncodings: z
          .record(z.string(), z.literal('base64'))
          .describe('Names of the headers written as base64 (a value of theirs is not valid UTF-8).'),
        eventIndex: z
          .number()
          .int()
          .nonnegative()
          .nullable()
          .describe('Index of the event in a value holding several (newline-delimited JSON), else null.'),
      })
      .describe('Kafka coordinates of the record.'),
    api: canonicalApiSchema.describe('Normalized IBM API Connect API event fields.'),
    attributes: z.record(z.string(), z.json()).describe('Fields derived by rules (op: set).'),
    extra: z.record(z.string(), z.json()).describe('Event fields the schema does not know, unchanged.'),
    tags: z.array(z.string()).describe('Tags added by rules (op: tag).'),
    route: z.string().nullable().describe('Route set by rules (op: route), else null.'),
  })
  .describe('Canonical API event record written to the target by both engines.');

/** JSON Schema (draft 2020-12) of the canonical record, as written to enrichment/canonical.schema.json. */
export function canonicalJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/kafka-pipes-template/enrichment/canonical.schema.json',
    title: `Canonical API event record v${CANONICAL_SCHEMA_VERSION}`,
    ...(z.toJSONSchema(canonicalRecordSchema, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}
