/**
 * Writes `pipes/source.schema.json` from the zod schema. Run `npx tsx pipes/generate-schema.ts` after
 * changing `pipes/source-schema.ts`; test/unit/pipes/json-schema.test.ts fails when the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sourceJsonSchema } from './source-schema.js';

/** Path of the generated JSON Schema. */
export const SOURCE_SCHEMA_PATH = fileURLToPath(new URL('./source.schema.json', import.meta.url));

/** The exact text of the generated file. */
export function renderSourceSchema(): string {
  return `${JSON.stringify(sourceJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SOURCE_SCHEMA_PATH, renderSourceSchema());
  console.log(`wrote ${SOURCE_SCHEMA_PATH}`);
}
