/**
 * Cross-field rules of the `value` and `key` blocks (enrichment/formats/): a schema format reads
 * registry-framed records and needs its registry; a self-describing format (json values, text keys)
 * takes none; a fallback registry differs from the registry. They run on the raw parsed YAML, like the
 * rules of pipes/source-rules.ts.
 */
import { findSchemaLanguage } from '../enrichment/formats/registry.js';
import { formatValue } from './format-value.js';
import type { AddIssue, RawSource } from './kinds/types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const REGISTRY_EXAMPLE =
  '{type: glue, registryName: <Glue registry>} or {type: confluent, url: https://<registry host>}';

/** The rules of one side (`value` or `key`). */
function checkSide(raw: RawSource, side: 'value' | 'key', add: AddIssue): void {
  const block = raw[side];
  if (!isRecord(block)) return;
  const format = block.format ?? (side === 'value' ? 'json' : 'text');
  const language = typeof format === 'string' ? findSchemaLanguage(format) : undefined;
  if (typeof format === 'string' && language && block.registry === undefined) {
    add(
      `${side}.registry`,
      `${side === 'value' ? 'Value' : 'Key'} format ${format} reads records framed by a schema registry, and ${side}.registry is not set`,
      `add ${side}.registry: ${REGISTRY_EXAMPLE}`,
    );
  }
  if (!language) {
    for (const field of ['registry', 'fallback'] as const) {
      if (block[field] === undefined) continue;
      add(
        `${side}.${field}`,
        `${side}.${field} is only read with a schema format (avro), and ${side}.format is ${formatValue(format)}`,
        `remove ${side}.${field}, or set ${side}.format to a schema format`,
      );
    }
  }
  const registry = isRecord(block.registry) ? block.registry.type : undefined;
  const fallback = isRecord(block.fallback) ? block.fallback.type : undefined;
  if (registry !== undefined && registry === fallback) {
    add(
      `${side}.fallback`,
      `The fallback registry is a ${formatValue(fallback)} registry like ${side}.registry: its framing is the same, so it never sees a record`,
      'use fallback json or dlq, or a registry of the other type (the secondary deserializer of the source)',
    );
  }
}

/** The value and key blocks' rules. */
export function checkFormatRules(raw: RawSource, add: AddIssue): void {
  checkSide(raw, 'value', add);
  checkSide(raw, 'key', add);
}
