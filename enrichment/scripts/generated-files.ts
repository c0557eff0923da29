import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalJsonSchema } from '../canonical.js';
import { parseRules } from '../rules/parse.js';
import { rulesSchema } from '../rules/schema.js';

const enrichmentDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** JSON Schema of a rules document (draft 2020-12), used as the AppConfig JSON-schema validator. */
export function rulesJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://github.com/kafka-pipes-template/enrichment/rules.schema.json',
    title: 'Enrichment rules',
    ...(z.toJSONSchema(rulesSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>),
  };
}

/** Path (relative to the repository root) → exact content of every generated file. */
export function generatedFiles(): Record<string, string> {
  const defaultPath = join(enrichmentDir, 'rules', 'default.rules.yaml');
  const rules = parseRules(readFileSync(defaultPath, 'utf8'), 'enrichment/rules/default.rules.yaml');
  const defaultModule = `// Generated from enrichment/rules/default.rules.yaml by enrichment/scripts/generate.ts. Do not edit.
import type { Rules } from './schema.js';

/** The bundled default rules (validated at generation time; the handler's fallback). */
export const DEFAULT_RULES: Rules = ${JSON.stringify(rules, null, 2)};
`;
  return {
    'enrichment/canonical.schema.json': `${JSON.stringify(canonicalJsonSchema(), null, 2)}\n`,
    'enrichment/rules/rules.schema.json': `${JSON.stringify(rulesJsonSchema(), null, 2)}\n`,
    'enrichment/rules/default-rules.generated.ts': defaultModule,
  };
}
