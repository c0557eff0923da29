import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSourceSchema, SOURCE_SCHEMA_PATH } from '../../../pipes/generate-schema.js';
import { REPLACEMENT_FIELDS, sourceFileSchema } from '../../../pipes/source-schema.js';

describe('pipes/source.schema.json', () => {
  it('is up to date with pipes/source-schema.ts (regenerate: npx tsx pipes/generate-schema.ts)', () => {
    // Arrange
    const committed = readFileSync(SOURCE_SCHEMA_PATH, 'utf8');
    // Act
    const generated = renderSourceSchema();
    // Assert
    expect(committed).toBe(generated);
  });

  it('rejects unknown fields and requires name, kind, topic and target', () => {
    // Act
    const schema = JSON.parse(renderSourceSchema()) as { additionalProperties: boolean; required: string[] };
    // Assert
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['name', 'kind', 'topic', 'target']);
  });
});

describe('docs/sources.md', () => {
  const docs = readFileSync(new URL('../../../docs/sources.md', import.meta.url), 'utf8');
  const rows = docs.split('\n').filter((l) => l.startsWith('| `'));

  it.each(Object.keys(sourceFileSchema.shape))('documents the field %s', (field) => {
    // Assert
    expect(rows.some((r) => r.startsWith(`| \`${field}`) || r.includes(`\`${field}.`))).toBe(true);
  });

  it.each(REPLACEMENT_FIELDS)('marks %s as REPLACES PIPE', (field) => {
    // Act
    const row = rows.find((r) => r.startsWith(`| \`${field}\``));
    // Assert
    expect(row?.endsWith('| **REPLACES PIPE** |')).toBe(true);
  });
});
